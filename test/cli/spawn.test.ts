import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

// The bin as a real process: bundled from source the way tsup bundles src/cli/main.ts.
const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'hellosign-oauth-cli-'));
const bin = join(dir, 'cli.js');

beforeAll(() => {
  buildSync({
    entryPoints: [join(root, 'src', 'cli', 'main.ts')],
    outfile: bin,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function node(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, ...env },
    timeout: 15_000,
  });
}

describe('the hellosign-oauth bin', () => {
  it('starts with a node shebang', () => {
    expect(readFileSync(join(root, 'src', 'cli', 'main.ts'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('prints help and exits 0', () => {
    const result = node(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: hellosign-oauth <command>');
  });

  it('exits 2 with one line on stderr and no stack trace for an http base URL without the flag', () => {
    const result = node(['exchange', '--code', 'c0de-c0de-c0de', '--state', 's'], {
      HELLOSIGN_CLIENT_ID: 'id',
      HELLOSIGN_CLIENT_SECRET: 'spawn-secret-value',
      HELLOSIGN_OAUTH_BASE_URL: 'http://127.0.0.1:9',
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('needs --allow-insecure-http');
    expect(result.stderr).not.toContain('spawn-secret-value');
  });

  it('runs the demo, the flow npm start shows', () => {
    const result = node(['demo']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('7. Reused code    BadRequestError 400 invalid_grant');
  });

  it('stops mock-server on SIGINT with exit code 0', async () => {
    const child = spawn(process.execPath, [bin, 'mock-server'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let out = '';
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('\n')) resolve();
      }),
    );
    expect(out).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('passes the full round trip (mock-server → authorize → exchange → refresh → reused code fails)', () => {
    const result = spawnSync(process.execPath, [join(root, 'scripts', 'cli-roundtrip.mjs'), '--cli', bin], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stdout).toContain('cli roundtrip: 7 passed, 0 failed');
    expect(result.status).toBe(0);
  });
});
