// `npm start`: the demo. The CLI is bundled from source with esbuild (the bundler tsup runs),
// because the full build, with declaration files, takes longer than the demo's 10-second budget.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, '.tmp', 'start', 'cli.js');

await build({
  entryPoints: [join(root, 'src', 'cli', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
});
const demo = spawnSync(process.execPath, [outfile, 'demo', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exitCode = demo.status ?? 1;
