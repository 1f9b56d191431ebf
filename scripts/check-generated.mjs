// `npm run check:generated`: regenerate into a temporary folder and fail, printing the diff, when
// generated/ differs from what openapi.yaml produces (a hand edit, or a spec change not regenerated).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generate, root, SetupError } from './generator.mjs';

// --dir lets the test suite point the check at a tampered copy; by default it checks generated/.
const { values } = parseArgs({ options: { dir: { type: 'string' } } });
const committed = values.dir ? resolve(values.dir) : join(root, 'generated');

const scratch = mkdtempSync(join(tmpdir(), 'hellosign-oauth-generated-'));
try {
  const fresh = generate(join(scratch, 'generated'));
  const diff = spawnSync('git', ['diff', '--no-index', '--stat', '--patch', '--', committed, fresh], {
    encoding: 'utf8',
  });
  if (diff.status === 0) {
    console.log('check:generated: generated/ matches openapi.yaml');
  } else {
    process.stdout.write(diff.stdout);
    console.error(
      'check:generated: generated/ differs from what openapi.yaml produces. Run `npm run generate` and commit; never edit generated/ by hand.',
    );
    process.exitCode = 1;
  }
} catch (error) {
  if (!(error instanceof SetupError)) throw error;
  console.error(`check:generated: ${error.message}`);
  process.exitCode = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
