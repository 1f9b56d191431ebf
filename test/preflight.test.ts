/** @requires redis-server postgresql squid pgbouncer java maven chromium */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npm test` starts with scripts/setup/preflight.mjs. Here it runs with `--check` (report, never
// install) on a PATH that holds only node and apt-get, so the tools found through PATH are missing.
const root = join(__dirname, '..');
let dir: string;

function preflight(env: Record<string, string>) {
  return spawnSync(process.execPath, [join(root, 'scripts/setup/preflight.mjs'), '--check'], {
    encoding: 'utf8',
    env: { HOME: process.env.HOME ?? '', ...env },
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hellosign-oauth-preflight-'));
  symlinkSync(process.execPath, join(dir, 'node'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('preflight', () => {
  it('stops before any suite with one line per missing tool and the apt-get command that installs it', () => {
    symlinkSync('/usr/bin/apt-get', join(dir, 'apt-get'));

    const result = preflight({ PATH: dir, PG_BIN: join(dir, 'no-postgres'), CHROMIUM_PATH: join(dir, 'no-chromium') });

    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('npm test: 6 tool(s) missing, not installed because of --check:');
    // No sudo on this PATH: as non-root the line says to run apt-get as root.
    const apt = process.getuid?.() === 0 ? 'apt-get install' : 'as root: apt-get install';
    expect(lines.slice(1, -1)).toEqual([
      expect.stringMatching(new RegExp(`^  missing redis-server and redis-cli \\(.+\\): ${apt} redis-server$`)),
      expect.stringMatching(new RegExp(`^  missing the PostgreSQL server binaries \\(.+\\): ${apt} postgresql$`)),
      expect.stringMatching(
        new RegExp(`^  missing squid with basic_ncsa_auth, and openssl \\(.+\\): ${apt} squid openssl$`),
      ),
      expect.stringMatching(
        new RegExp(
          `^  missing a JDK 17 or newer \\(.+\\): ${apt} openjdk-17-jdk-headless \\(or openjdk-21-jdk-headless\\)$`,
        ),
      ),
      expect.stringMatching(new RegExp(`^  missing Maven \\(.+\\): ${apt} maven$`)),
      expect.stringMatching(new RegExp(`^  missing Chromium and a font \\(.+\\): ${apt} chromium fonts-liberation$`)),
    ]);
    expect(lines.at(-1)).toBe('Install them, then run npm test again. No suite was run.');
    expect(result.stderr).not.toContain('ENOENT');
  });

  it('names the Debian packages without a command where there is no apt-get', () => {
    const result = preflight({ PATH: dir, PG_BIN: join(dir, 'no-postgres') });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('not installed because this is not Debian or Ubuntu (no apt-get):');
    expect(result.stderr).toMatch(
      /missing redis-server and redis-cli \(.+\): install it; on Debian or Ubuntu: apt-get install redis-server\n/,
    );
  });

  it('passes when every tool is present', () => {
    const result = preflight({ PATH: process.env.PATH ?? '' });

    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      'preflight: all present (redis-server, postgresql, squid, pgbouncer, java, maven, chromium)\n',
    );
    expect(result.status).toBe(0);
  });
});
