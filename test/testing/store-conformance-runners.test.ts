import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The kit outside Jest: its checks registered with `node:test` and run by `node --test`. */

const ROOT = resolve(__dirname, '../..');
let tmp: string;
let bundle: string;

beforeAll(() => {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  tmp = mkdtempSync(join(ROOT, '.tmp', 'node-test-'));
  bundle = join(tmp, 'conformance.test.js');
  execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [
    join(__dirname, 'fixtures/node-test-conformance.ts'),
    '--bundle',
    '--platform=node',
    '--format=cjs',
    '--target=node20',
    '--external:node-fetch',
    '--log-level=warning',
    `--outfile=${bundle}`,
  ]);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function nodeTest(store: 'memory' | 'broken'): Promise<{ code: number; output: string }> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      ['--test', '--test-reporter=tap', bundle],
      { env: { ...process.env, STORE: store } },
      (error, stdout, stderr) => {
        resolveRun({ code: error ? Number(error.code) : 0, output: stdout + stderr });
      },
    );
  });
}

describe('the conformance kit under node:test', () => {
  test('every check passes for MemoryTokenStore under `node --test`', async () => {
    const { code, output } = await nodeTest('memory');
    expect(output).toMatch(/# fail 0/);
    expect(output).toMatch(/# pass 19/);
    expect(code).toBe(0);
  });

  test('a compareAndSet that ignores `expected` fails its checks under `node --test`, by name', async () => {
    const { code, output } = await nodeTest('broken');
    expect(code).toBe(1);
    expect(output).toMatch(
      /not ok \d+ - compareAndSet › returns false and writes nothing when the stored tokens differ/,
    );
    expect(output).toContain('StoreConformanceError');
  });
});
