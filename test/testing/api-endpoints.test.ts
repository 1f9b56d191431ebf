import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { closeServers, fakeClock, makeClient, type RawResponse, startServer } from './support.js';

const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8'));
const accountExample: { account: Record<string, unknown> } = fixture('account-get-response.json');
const officialUnauthorized: { error: { error_msg: string } } = fixture('error-401.json');

afterEach(closeServers);

function call(url: string, init: { method?: string; token?: string; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = init.token ? { authorization: `Bearer ${init.token}` } : {};
    if (init.body) headers['content-type'] = 'application/json';
    const req = request(url, { method: init.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('mock server REST API: GET /v3/account', () => {
  it('answers the official AccountGetResponse for the grant that owns the token', async () => {
    const server = await startServer();
    const grant = server.issueTokens();

    const response = await call(`${server.apiBaseUrl}/account`, { token: grant.access_token });

    expect(response.status).toBe(200);
    const body = response.json() as typeof accountExample;
    const { account_id, email_address, ...rest } = body.account;
    const { account_id: _id, email_address: _email, ...official } = accountExample.account;
    expect(rest).toEqual(official);
    expect(Object.keys(body.account)).toEqual(Object.keys(accountExample.account));
    expect(account_id).toMatch(/^[0-9a-f]{40}$/);
    expect(email_address).toMatch(/@example\.com$/);
  });

  it('keeps a grant’s account across refreshes and rotations; another grant has another', async () => {
    const server = await startServer({ rotateRefreshTokens: true });
    const client = makeClient(server);
    const first = server.issueTokens();
    const before = (await call(`${server.apiBaseUrl}/account`, { token: first.access_token })).json();
    const rotated = await client.refresh(first.refresh_token);
    const after = (await call(`${server.apiBaseUrl}/account`, { token: rotated.accessToken })).json();
    const other = (await call(`${server.apiBaseUrl}/account`, { token: server.issueTokens().access_token })).json();

    expect(after).toEqual(before);
    expect(other).not.toEqual(before);
  });

  it.each([
    ['missing', undefined, officialUnauthorized.error.error_msg, 'Bearer'],
    [
      'unknown',
      'not-a-token-issued-here',
      'Unauthorized user. The access token is not valid.',
      'Bearer error="invalid_token"',
    ],
  ])('answers 401 in the official shape for a %s token', async (_case, token, message, challenge) => {
    const server = await startServer();
    const response = await call(`${server.apiBaseUrl}/account`, { token });
    expect(response.status).toBe(401);
    expect(response.json()).toEqual({ error: { error_msg: message, error_name: 'unauthorized' } });
    expect(response.headers['www-authenticate']).toBe(challenge);
  });

  it('answers 401 for a token past its expiry, and for one expired or revoked early by the test control', async () => {
    const clock = fakeClock();
    const server = await startServer({ now: clock.now, accessTokenTtlSeconds: 60 });
    const [aged, expired, revoked] = [server.issueTokens(), server.issueTokens(), server.issueTokens()];
    expect(server.expireAccessToken(expired.access_token)).toBe(true);
    expect(server.revokeAccessToken(revoked.access_token)).toBe(true);
    expect(server.expireAccessToken('unknown')).toBe(false);

    expect((await call(`${server.apiBaseUrl}/account`, { token: aged.access_token })).status).toBe(200);
    clock.advance(60_000);
    for (const [grant, message] of [
      [aged, 'Unauthorized user. The access token has expired.'],
      [expired, 'Unauthorized user. The access token has expired.'],
      [revoked, 'Unauthorized user. The access token has been revoked.'],
    ] as const) {
      const response = await call(`${server.apiBaseUrl}/account`, { token: grant.access_token });
      expect(response.status).toBe(401);
      expect(response.json()).toEqual({ error: { error_msg: message, error_name: 'unauthorized' } });
    }
    // A revoked access token's grant still refreshes: only the access token was cut off.
    const fresh = await makeClient(server, { now: clock.now }).refresh(revoked.refresh_token);
    expect((await call(`${server.apiBaseUrl}/account`, { token: fresh.accessToken })).status).toBe(200);
    expect(server.apiCalls().map((entry) => entry.auth)).toEqual(['active', 'expired', 'expired', 'revoked', 'active']);
  });

  it('POST /v3/account updates the grant’s callback_url; unknown API paths are 404 after auth', async () => {
    const server = await startServer();
    const { access_token: token } = server.issueTokens();
    const updated = await call(`${server.apiBaseUrl}/account`, {
      method: 'POST',
      token,
      body: JSON.stringify({ callback_url: 'https://example.com/hook' }),
    });
    expect((updated.json() as typeof accountExample).account.callback_url).toBe('https://example.com/hook');
    expect((await call(`${server.apiBaseUrl}/account`, { token })).json()).toEqual(updated.json());
    expect((await call(`${server.apiBaseUrl}/nothing`, { token })).status).toBe(404);
    expect((await call(`${server.apiBaseUrl}/nothing`)).status).toBe(401);
  });
});
