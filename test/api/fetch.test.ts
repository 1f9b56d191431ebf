import { Readable } from 'node:stream';
import nodeFetch from 'node-fetch';
import {
  MemoryTokenStore,
  OAuthAbortError,
  OAuthClient,
  OAuthConnectionError,
  OAuthTimeoutError,
  OAuthValidationError,
  TokenManager,
} from '../../src/index.js';
import { apiHarness, closeAll, fakeClock, otherOrigin, rejectionOf, renderings, tokensFrom } from './support.js';

afterEach(closeAll);

interface AccountBody {
  account: { account_id: string; email_address: string; callback_url: string | null };
}

describe('session.fetch', () => {
  test('resolves a path against apiBaseUrl and attaches the bearer token', async () => {
    const { server, session, grant } = await apiHarness();
    const response = await session.fetch('/account');

    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    const body = (await response.json()) as AccountBody;
    expect(body.account.email_address).toMatch(/^user-[0-9a-f]{8}@example\.com$/);
    expect(server.apiCalls()).toEqual([{ method: 'GET', path: '/v3/account', auth: 'active', body: '' }]);
    expect(server.requests.oauthTokenRefresh).toBe(0);
    expect(session.tokens.accessToken).toBe(grant.accessToken);
  });

  test('defaults apiBaseUrl to https://api.hellosign.com/v3 and holds it to the baseUrl rules', () => {
    const client = new OAuthClient({ clientId: 'id', clientSecret: 'secret' });
    expect(client.apiBaseUrl).toBe('https://api.hellosign.com/v3');
    expect(
      () => new OAuthClient({ clientId: 'id', clientSecret: 'secret', apiBaseUrl: 'http://api.example.com' }),
    ).toThrow(/apiBaseUrl must use https:/);
    expect(
      () =>
        new OAuthClient({
          clientId: 'id',
          clientSecret: 'secret',
          apiBaseUrl: 'http://127.0.0.1:1/v3',
          allowInsecureHttp: true,
        }).apiBaseUrl,
    ).not.toThrow();
    expect(
      () => new OAuthClient({ clientId: 'id', clientSecret: 'secret', apiBaseUrl: 'https://x.test/v3?q=1' }),
    ).toThrow(OAuthValidationError);
  });

  test('refreshes once, before sending, when the token is due', async () => {
    const clock = fakeClock();
    const { server, session, grant } = await apiHarness({ server: { now: clock.now, accessTokenTtlSeconds: 3600 } });
    clock.advance(3600 * 1000);

    const responses = await Promise.all([session.fetch('/account'), session.fetch('/account')]);

    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    expect(server.requests.oauthTokenRefresh).toBe(1);
    expect(server.apiCalls().map((call) => call.auth)).toEqual(['active', 'active']);
    expect(session.tokens.accessToken).not.toBe(grant.accessToken);
  });

  test.each([
    ['a string', () => JSON.stringify({ callback_url: 'https://example.com/hook' }), 'application/json'],
    ['URLSearchParams', () => new URLSearchParams({ callback_url: 'https://example.com/hook' }), undefined],
    ['a Uint8Array', () => new TextEncoder().encode('{"callback_url":"https://example.com/hook"}'), 'application/json'],
    [
      'a Blob',
      () => new Blob(['{"callback_url":"https://example.com/hook"}'], { type: 'application/json' }),
      undefined,
    ],
  ])('after a 401, refreshes once and retries once with the same body (%s)', async (_kind, body, contentType) => {
    const { server, session, grant } = await apiHarness();
    server.expireAccessToken(grant.accessToken);

    const response = await session.fetch('/account', {
      method: 'POST',
      body: body(),
      headers: contentType ? { 'content-type': contentType, 'x-caller': 'kept' } : { 'x-caller': 'kept' },
    });

    expect(response.status).toBe(200);
    expect(((await response.json()) as AccountBody).account.callback_url).toBe('https://example.com/hook');
    expect(server.requests.oauthTokenRefresh).toBe(1);
    const calls = server.apiCalls();
    expect(calls.map((call) => [call.method, call.auth])).toEqual([
      ['POST', 'expired'],
      ['POST', 'active'],
    ]);
    expect(calls[1].body).toBe(calls[0].body);
    expect(calls[0].body).toContain('callback_url');
    expect(session.tokens.accessToken).not.toBe(grant.accessToken);
  });

  test('returns a second 401 to the caller: one refresh, two sends, no more', async () => {
    const { server, session } = await apiHarness();
    const body = JSON.stringify({ error: { error_msg: 'Still no.', error_name: 'unauthorized' } });
    server.inject({ type: 'respond', status: 401, body, operation: 'other', times: 2 });

    const response = await session.fetch('/account');

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(JSON.parse(body));
    expect(server.requests.other).toBe(2);
    expect(server.requests.oauthTokenRefresh).toBe(1);
  });

  test('50 concurrent requests rejected for the same token cause one refresh', async () => {
    const { server, session, grant } = await apiHarness();
    server.expireAccessToken(grant.accessToken);

    const responses = await Promise.all(Array.from({ length: 50 }, () => session.fetch('/account')));

    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(server.requests.oauthTokenRefresh).toBe(1);
    const auth = server.apiCalls().map((call) => call.auth);
    expect(auth.filter((status) => status === 'expired')).toHaveLength(50);
    expect(auth.filter((status) => status === 'active')).toHaveLength(50);
  });

  test.each([
    ['a web ReadableStream', () => new Blob(['{"callback_url":"https://example.com/x"}']).stream()],
    ['a Node stream', () => Readable.from([Buffer.from('{"callback_url":"https://example.com/x"}')])],
  ])('does not replay %s: the 401 is returned, and the next call refreshes', async (_kind, stream) => {
    const { server, session, grant } = await apiHarness();
    server.expireAccessToken(grant.accessToken);

    const response = await session.fetch('/account', {
      method: 'POST',
      body: stream() as unknown as BodyInit,
      headers: { 'content-type': 'application/json' },
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(401);
    expect(server.apiCalls()).toHaveLength(1);
    expect(server.apiCalls()[0].body).toContain('callback_url');
    expect(server.requests.oauthTokenRefresh).toBe(0);
    // The rejected token was reported: the next call starts with a fresh one.
    expect((await session.fetch('/account')).status).toBe(200);
    expect(server.requests.oauthTokenRefresh).toBe(1);
  });

  test('refuses an absolute URL of another origin before any request, also as a Request', async () => {
    const { server, session } = await apiHarness();
    const other = await otherOrigin();

    for (const input of [`${other.url}/v3/account`, new URL(`${other.url}/x`), new Request(`${other.url}/y`)]) {
      const error = await rejectionOf<OAuthValidationError>(session.fetch(input));
      expect(error).toBeInstanceOf(OAuthValidationError);
      expect(error.code).toBe('OAUTH_FOREIGN_ORIGIN');
    }
    // The same origin, spelled absolute, is fine.
    expect((await session.fetch(`${server.apiBaseUrl}/account`)).status).toBe(200);
    expect(other.seen).toEqual([]);
    expect(server.apiCalls()).toHaveLength(1);
  });

  test('a cross-origin redirect is followed without the token; a same-origin one keeps it', async () => {
    const { server, session, grant } = await apiHarness();
    const other = await otherOrigin();
    server.inject({
      type: 'respond',
      status: 302,
      body: '',
      headers: { location: `${other.url}/files/1` },
      operation: 'other',
    });

    const response = await session.fetch('/signature_request/files/1');

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ elsewhere: true });
    expect(other.seen).toHaveLength(1);
    expect(other.seen[0].headers.authorization).toBeUndefined();
    expect(JSON.stringify(other.seen)).not.toContain(grant.accessToken);

    server.inject({ type: 'respond', status: 307, body: '', headers: { location: '/v3/account' }, operation: 'other' });
    expect(
      (await session.fetch('/moved', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }))
        .status,
    ).toBe(200);
    expect(server.apiCalls().at(-1)).toMatchObject({ method: 'POST', auth: 'active', body: '{}' });
  });

  test('a 307 to another origin resends the body without the token; a 401 from there is not retried', async () => {
    const { server, session, grant } = await apiHarness();
    const other = await otherOrigin(401);
    server.inject({
      type: 'respond',
      status: 307,
      body: '',
      headers: { location: `${other.url}/upload` },
      operation: 'other',
    });

    const response = await session.fetch('/upload', { method: 'POST', body: 'payload' });

    expect(response.status).toBe(401);
    expect(other.seen).toEqual([expect.objectContaining({ method: 'POST', path: '/upload' })]);
    expect(other.seen[0].headers.authorization).toBeUndefined();
    expect(server.requests.oauthTokenRefresh).toBe(0);
    expect(session.tokens.accessToken).toBe(grant.accessToken);
  });

  test('redirect: "manual" hands the redirect back unfollowed', async () => {
    const { server, session } = await apiHarness();
    const other = await otherOrigin();
    server.inject({
      type: 'respond',
      status: 302,
      body: '',
      headers: { location: `${other.url}/x` },
      operation: 'other',
    });

    const response = await session.fetch('/x', { redirect: 'manual' });

    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${other.url}/x`);
    expect(other.seen).toEqual([]);
  });

  test('uses the client timeout and the caller signal, with typed errors', async () => {
    const { server, session } = await apiHarness({ client: { timeoutMs: 50 } });
    server.inject({ type: 'latency', ms: 500, operation: 'other' });
    expect(await rejectionOf(session.fetch('/account'))).toBeInstanceOf(OAuthTimeoutError);

    server.inject({ type: 'latency', ms: 500, operation: 'other' });
    const controller = new AbortController();
    const pending = session.fetch('/account', { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    expect(await rejectionOf(pending)).toBeInstanceOf(OAuthAbortError);
  });

  test('a settled call leaves no timer behind (the per-call timeout is cleared)', async () => {
    const { session } = await apiHarness({
      client: { timeoutMs: 60_000, fetch: (async () => new Response(null, { status: 204 })) as typeof fetch },
    });
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();

    for (let i = 0; i < 3; i++) expect((await session.fetch('/account')).status).toBe(204);
    await Promise.all([session.fetch('/account'), session.fetch('/account')]);

    expect(timers()).toBe(before);
  });

  test('keeps the token out of errors and log lines', async () => {
    const lines: unknown[] = [];
    const log = (message: string, data?: unknown) => lines.push([message, data]);
    let token = '';
    const { server, session, grant } = await apiHarness({
      client: {
        logger: { debug: log, info: log, warn: log, error: log },
        fetch: (async (url: string, init: RequestInit) => {
          if (url.includes('/v3/boom')) {
            const header = new Headers(init.headers).get('authorization');
            throw new Error(`socket hang up while sending ${header}`);
          }
          return globalThis.fetch(url, init);
        }) as unknown as typeof fetch,
      },
    });
    token = grant.accessToken;
    server.expireAccessToken(token);
    expect((await session.fetch('/account')).status).toBe(200);

    const error = await rejectionOf(session.fetch('/boom'));
    expect(error).toBeInstanceOf(OAuthConnectionError);
    const fresh = session.tokens.accessToken;
    for (const text of [...renderings(error), JSON.stringify(lines)]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(fresh);
    }
    expect(JSON.stringify(lines)).toContain('retrying once');
  });

  test.each([
    ['a method that is not a string', { method: 5 }],
    ['a method with a line break', { method: 'GET\r\nX-Injected: 1' }],
    ['a method Fetch forbids', { method: 'TRACE' }],
    ['a signal that is not an AbortSignal', { signal: 'soon' }],
    ['an unknown redirect mode', { redirect: 'sometimes' }],
    ['a body on a GET', { body: '{}' }],
    ['a body on a HEAD', { method: 'head', body: '{}' }],
  ])('bad init (%s) is an OAuthValidationError before any refresh or request', async (_kind, init) => {
    const clock = fakeClock();
    const { server, session } = await apiHarness({ server: { now: clock.now, accessTokenTtlSeconds: 3600 } });
    clock.advance(3600 * 1000);

    const error = await rejectionOf(session.fetch('/account', init as unknown as RequestInit));

    expect(error).toBeInstanceOf(OAuthValidationError);
    expect(server.requests.oauthTokenRefresh).toBe(0);
    expect(server.apiCalls()).toEqual([]);
  });

  test('keeps the caller’s method, headers and query', async () => {
    const other = await otherOrigin();
    const { session } = await apiHarness({
      client: { apiBaseUrl: `${other.url}/v3`, userAgent: 'my-app/1.0' },
    });

    await session.fetch('/template/list?page=2', {
      method: 'get',
      headers: { 'x-trace': 'abc', authorization: 'Basic nope' },
    });

    expect(other.seen).toHaveLength(1);
    expect(other.seen[0]).toMatchObject({ method: 'GET', path: '/v3/template/list?page=2' });
    expect(other.seen[0].headers['x-trace']).toBe('abc');
    expect(other.seen[0].headers.authorization).toMatch(/^Bearer /);
    expect(other.seen[0].headers['user-agent']).toMatch(/^hellosign-oauth\/\S+ node\/\S+ my-app\/1\.0$/);
  });

  test('the same path on two clients goes to each client’s own apiBaseUrl', async () => {
    const first = await otherOrigin();
    const second = await otherOrigin();
    const one = await apiHarness({ client: { apiBaseUrl: `${first.url}/v3` } });
    const two = await apiHarness({ client: { apiBaseUrl: `${second.url}/v2` } });

    for (let i = 0; i < 2; i++) {
      await one.session.fetch('/account');
      await two.session.fetch('/account');
      await one.session.fetch('account');
    }

    expect(first.seen.map((seen) => seen.path)).toEqual(Array(4).fill('/v3/account'));
    expect(second.seen.map((seen) => seen.path)).toEqual(Array(2).fill('/v2/account'));

    // A long path is parsed each time, not kept; it resolves the same way.
    const long = `/template/list?q=${'x'.repeat(300)}`;
    await one.session.fetch(long);
    await two.session.fetch(long);
    expect(first.seen.at(-1)?.path).toBe(`/v3${long}`);
    expect(second.seen.at(-1)?.path).toBe(`/v2${long}`);
  });

  test.each([
    ['global fetch', undefined],
    ['node-fetch 2', nodeFetch as unknown as typeof fetch],
  ])('without the caller’s headers, still sends the bearer token and the user agent (%s)', async (_kind, fetch) => {
    const other = await otherOrigin();
    const { session, grant } = await apiHarness({
      client: { apiBaseUrl: `${other.url}/v3`, userAgent: 'my-app/1.0', fetch },
    });

    await session.fetch('/account');
    await session.fetch('/account', { method: 'POST', body: '{}' });

    expect(other.seen.map((seen) => [seen.method, seen.headers.authorization])).toEqual([
      ['GET', `Bearer ${grant.accessToken}`],
      ['POST', `Bearer ${grant.accessToken}`],
    ]);
    for (const seen of other.seen) {
      expect(seen.headers['user-agent']).toMatch(/^hellosign-oauth\/\S+ node\/\S+ my-app\/1\.0$/);
    }
  });
});

test('a custom fetch with its own response class (node-fetch 2) still yields a global Response', async () => {
  const { server, session, grant } = await apiHarness({ client: { fetch: nodeFetch as unknown as typeof fetch } });
  server.expireAccessToken(grant.accessToken);

  const response = await session.fetch('/account', {
    method: 'POST',
    body: '{"locale":"fr-FR"}',
    headers: { 'content-type': 'application/json' },
  });

  expect(response).toBeInstanceOf(Response);
  expect(response.headers.get('content-type')).toBe('application/json');
  expect(((await response.json()) as { account: { locale: string } }).account.locale).toBe('fr-FR');
  expect(server.apiCalls().map((call) => call.auth)).toEqual(['expired', 'active']);
});

describe('manager.fetch', () => {
  test('calls the API with the grant under the key, and retries one 401 per grant', async () => {
    const { server, client } = await apiHarness();
    const manager = new TokenManager({ client, store: new MemoryTokenStore() });
    const alice = tokensFrom(server, Date.now());
    const bob = tokensFrom(server, Date.now());
    await manager.setTokens('alice', alice);
    await manager.setTokens('bob', bob);
    server.revokeAccessToken(alice.accessToken);

    const [a, b] = await Promise.all([manager.fetch('alice', '/account'), manager.fetch('bob', '/account')]);
    const ids = [
      ((await a.json()) as AccountBody).account.account_id,
      ((await b.json()) as AccountBody).account.account_id,
    ];

    expect([a.status, b.status]).toEqual([200, 200]);
    expect(ids[0]).not.toBe(ids[1]);
    expect(server.requests.oauthTokenRefresh).toBe(1);
    expect((await manager.getTokens('bob'))?.accessToken).toBe(bob.accessToken);
    await expect(manager.fetch('', '/account')).rejects.toBeInstanceOf(OAuthValidationError);
  });
});

describe('withAccessToken', () => {
  test('runs fn once more with a fresh token after a 401, in any error shape', async () => {
    for (const shape of [{ status: 401 }, { statusCode: 401 }, { response: { status: 401 } }]) {
      const { server, session, grant } = await apiHarness();
      const seen: string[] = [];
      const result = await session.withAccessToken(async (token) => {
        seen.push(token);
        if (seen.length === 1) throw Object.assign(new Error('unauthorized'), shape);
        return 'done';
      });
      expect(result).toBe('done');
      expect(seen[0]).toBe(grant.accessToken);
      expect(seen[1]).not.toBe(grant.accessToken);
      expect(server.requests.oauthTokenRefresh).toBe(1);
    }
  });

  test('passes other errors and a second 401 through; the manager form works per key', async () => {
    const { server, client, session } = await apiHarness();
    let calls = 0;
    const notFound = Object.assign(new Error('missing'), { status: 404 });
    await expect(
      session.withAccessToken(() => {
        calls++;
        throw notFound;
      }),
    ).rejects.toBe(notFound);
    expect(calls).toBe(1);

    const manager = new TokenManager({ client });
    await manager.setTokens('k', tokensFrom(server, Date.now()));
    calls = 0;
    const denied = Object.assign(new Error('no'), { statusCode: 401 });
    await expect(
      manager.withAccessToken('k', () => {
        calls++;
        throw denied;
      }),
    ).rejects.toBe(denied);
    expect(calls).toBe(2);
    expect(server.requests.oauthTokenRefresh).toBe(1);
  });
});
