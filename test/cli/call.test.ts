import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MockServer, startMockServer } from '../../src/testing/index.js';
import { cli } from './support.js';

let server: MockServer;
let dir: string;

beforeEach(async () => {
  server = await startMockServer({ rotateRefreshTokens: true });
  dir = mkdtempSync(join(tmpdir(), 'hellosign-oauth-call-'));
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeGrant(): { file: string; accessToken: string; refreshToken: string } {
  const issued = server.issueTokens();
  const file = join(dir, 't.json');
  const json = {
    accessToken: issued.access_token,
    refreshToken: issued.refresh_token,
    tokenType: 'Bearer',
    expiresIn: issued.expires_in,
    expiresAt: new Date(Date.now() + issued.expires_in * 1000).toISOString(),
    state: null,
  };
  writeFileSync(file, JSON.stringify(json, null, 2));
  return { file, accessToken: issued.access_token, refreshToken: issued.refresh_token };
}

function call(file: string, ...extra: string[]) {
  return cli(
    [
      'call',
      'GET',
      '/account',
      '--tokens-file',
      file,
      '--base-url',
      server.url,
      '--api-base-url',
      server.apiBaseUrl,
      '--allow-insecure-http',
      ...extra,
    ],
    { env: { HELLOSIGN_CLIENT_ID: server.clientId, HELLOSIGN_CLIENT_SECRET: server.clientSecret } },
  );
}

describe('call', () => {
  test('prints the API response, and after a 401 refreshes, rewrites the tokens file and retries', async () => {
    const grant = writeGrant();
    server.expireAccessToken(grant.accessToken);

    const result = await call(grant.file);

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).account.email_address).toMatch(/@example\.com$/);
    const stored = JSON.parse(readFileSync(grant.file, 'utf8'));
    expect(stored.accessToken).not.toBe(grant.accessToken);
    expect(stored.refreshToken).not.toBe(grant.refreshToken);
    expect(server.isAccessTokenActive(stored.accessToken)).toBe(true);
    expect(statSync(grant.file).mode & 0o777).toBe(0o600);
    for (const token of [grant.accessToken, grant.refreshToken, stored.accessToken, stored.refreshToken]) {
      expect(result.stdout + result.stderr).not.toContain(token);
    }

    // The rewritten file is what the next call uses: no refresh needed.
    const again = await call(grant.file);
    expect(again.code).toBe(0);
    expect(server.requests.oauthTokenRefresh).toBe(1);
  });

  test('a tokens file reached through a symlink is updated where it lives; the link stays a link', async () => {
    const grant = writeGrant();
    const link = join(dir, 'link.json');
    symlinkSync(grant.file, link);
    server.expireAccessToken(grant.accessToken);

    const result = await call(link);

    expect(result.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    const stored = JSON.parse(readFileSync(grant.file, 'utf8'));
    expect(stored.refreshToken).not.toBe(grant.refreshToken);
    expect(server.isAccessTokenActive(stored.accessToken)).toBe(true);
  });

  test('a grant the server no longer honours fails with exit 1, the API’s words, and no token', async () => {
    const grant = writeGrant();
    server.revokeRefreshToken(grant.refreshToken);
    server.revokeAccessToken(grant.accessToken);

    const result = await call(grant.file);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^hellosign-oauth call: .*invalid_grant/);
    expect(result.stdout + result.stderr).not.toContain(grant.accessToken);
    expect(result.stdout + result.stderr).not.toContain(grant.refreshToken);
    expect(JSON.parse(readFileSync(grant.file, 'utf8')).accessToken).toBe(grant.accessToken);
  });

  test('a non-2xx answer prints its body and exits 1', async () => {
    const grant = writeGrant();
    const result = await call(grant.file, '--data', '{"callback_url": 5}');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/GET takes no --data/);
    const post = await cli(
      [
        'call',
        'POST',
        '/account',
        '--tokens-file',
        grant.file,
        '--base-url',
        server.url,
        '--api-base-url',
        server.apiBaseUrl,
        '--allow-insecure-http',
        '--data',
        '{"callback_url": 5}',
      ],
      { env: { HELLOSIGN_CLIENT_ID: server.clientId, HELLOSIGN_CLIENT_SECRET: server.clientSecret } },
    );
    expect(post.code).toBe(1);
    expect(JSON.parse(post.stdout).error.error_path).toBe('callback_url');
    expect(post.stderr).toBe('hellosign-oauth call: the API answered 400 Bad Request\n');
  });

  test('refuses a missing tokens file and a wrong number of arguments', async () => {
    const missing = await call(join(dir, 'absent.json'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read --tokens-file .*ENOENT/);
    const usage = await cli(['call', '/account', '--tokens-file', 'x']);
    expect(usage.code).toBe(2);
  });
});
