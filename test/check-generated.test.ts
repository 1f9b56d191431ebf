/** @requires java maven */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..');

function check(dir: string) {
  return spawnSync(process.execPath, ['scripts/check-generated.mjs', '--dir', dir], { cwd: root, encoding: 'utf8' });
}

describe('check:generated', () => {
  let copy: string;

  beforeEach(() => {
    copy = join(mkdtempSync(join(tmpdir(), 'hellosign-oauth-drift-')), 'generated');
    cpSync(join(root, 'generated'), copy, { recursive: true });
  });
  afterEach(() => rmSync(copy, { recursive: true, force: true }));

  it('passes when generated/ is exactly what the spec produces', () => {
    const result = check(copy);
    expect(result.stdout).toContain('generated/ matches openapi.yaml');
    expect(result.status).toBe(0);
  });

  it('fails and prints the diff when a generated file was edited by hand', () => {
    appendFileSync(join(copy, 'apis/OAuthApi.ts'), '\n// hand edit\n');
    const result = check(copy);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('-// hand edit');
    expect(result.stderr).toContain('never edit generated/ by hand');
  });
});
