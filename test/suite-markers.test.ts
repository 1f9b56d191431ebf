/** @requires redis-server */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The Jest suites are split by the `@requires` markers in their docblocks (scripts/test/): the
// Node-only ones (test:quick) run where every service binary is a stand-in that fails naming the marker.
const root = join(__dirname, '..');
const jestBin = join(root, 'node_modules/jest/bin/jest.js');
const SPAWNS_REDIS = `import { spawnSync } from 'node:child_process';
test('redis-server runs', () => {
  const result = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
});
`;

let dir: string;
let suites: string;

function suite(name: string, source: string): string {
  const path = join(suites, `${name}.test.ts`);
  writeFileSync(path, source);
  return path;
}

function listed(group: 'node-only' | 'service') {
  const args = [jestBin, `--filter=${join(root, 'scripts/test', `${group}-suites.cjs`)}`, '--listTests'];
  return spawnSync(process.execPath, [...args, '--roots', suites], { cwd: root, encoding: 'utf8' });
}

function runSplit(...args: string[]) {
  const wrapper = join(root, 'scripts/test/jest.mjs');
  const jestArgs = [`--results=${join(dir, 'results')}`, '--roots', suites, '--ci'];
  return spawnSync(process.execPath, [wrapper, ...args, ...jestArgs], { cwd: root, encoding: 'utf8' });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hellosign-oauth-markers-'));
  suites = join(dir, 'suites');
  mkdirSync(suites);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('suite markers', () => {
  it('put a suite without @requires in the Node-only group and a marked one in the service group', () => {
    const plain = suite('plain', "test('adds', () => expect(1 + 1).toBe(2));\n");
    const marked = suite(
      'marked',
      `/**\n * Starts its own servers.\n * @requires redis-server postgresql\n */\n${SPAWNS_REDIS}`,
    );

    const nodeOnly = listed('node-only');
    const service = listed('service');

    expect(nodeOnly.status).toBe(0);
    expect(nodeOnly.stdout.trim().split('\n')).toEqual([plain]);
    expect(service.status).toBe(0);
    expect(service.stdout.trim().split('\n')).toEqual([marked]);
  });

  it('refuse a marker that names no known tool, listing the known ones', () => {
    suite('typo', `/** @requires redis */\n${SPAWNS_REDIS}`);

    const result = listed('node-only');

    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('typo.test.ts: @requires redis is not in scripts/setup/requirements.cjs');
    expect(result.stderr).toContain('redis-server, postgresql, squid');
  });

  it('fail a Node-only suite that runs a service binary, naming the marker to add', () => {
    suite('unmarked', SPAWNS_REDIS);

    const result = runSplit('--node-only');

    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'redis-server: a suite without `@requires redis-server` in its opening docblock ran redis-server; add the marker',
    );
  });

  it('run the marked suites with the real tools', () => {
    suite('plain', "test('adds', () => expect(1 + 1).toBe(2));\n");
    suite('marked', `/** @requires redis-server */\n${SPAWNS_REDIS}`);

    const result = runSplit();

    expect(result.stderr).toMatch(/PASS .*plain\.test\.ts/);
    expect(result.stderr).toMatch(/PASS .*marked\.test\.ts/);
    expect(result.status).toBe(0);
  });
});
