import { request } from 'node:http';
import {
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  OAuthConnectionError,
  OAuthTimeoutError,
  RateLimitError,
} from '../../src/index.js';
import { type MockServer, startMockServer } from '../../src/testing/index.js';
import { waitUntil } from '../support.js';
import { closeServers, consent, fakeClock, makeClient, postJson, raw, rejectionOf, startServer } from './support.js';

afterEach(closeServers);

describe('startMockServer', () => {
  it('listens on a free loopback port by default', async () => {
    const server = await startServer();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('refuses a nonsensical option', async () => {
    await expect(startMockServer({ accessTokenTtlSeconds: -1 })).rejects.toThrow(/accessTokenTtlSeconds/);
  });
});

describe('GET /oauth/authorize', () => {
  it('consents at once and redirects to redirect_uri with a code and the state', async () => {
    const server = await startServer();
    const client = makeClient(server);
    const { callback, state, code } = await consent(client, 'https://app.example/cb?keep=1');
    expect(callback.origin + callback.pathname).toBe('https://app.example/cb');
    expect(callback.searchParams.get('keep')).toBe('1');
    expect(callback.searchParams.get('state')).toBe(state);
    expect(code).toMatch(/^[0-9a-f]{16}$/);
    expect(server.requests.authorize).toBe(1);
  });

  it('redirects to the app callback when the request names none, and that page answers', async () => {
    const server = await startServer();
    const { callback } = await consent(makeClient(server));
    expect(`${callback.origin}${callback.pathname}`).toBe(server.redirectUri);
    expect(server.redirectUri).toBe(`${server.url}/callback`);
    expect((await raw(callback.toString())).status).toBe(200);
  });

  it('redirects with error=access_denied when the simulated user denies', async () => {
    const server = await startServer({ consent: 'deny' });
    const { callback, code } = await consent(makeClient(server));
    expect(code).toBe('');
    expect(callback.searchParams.get('error')).toBe('access_denied');
  });

  it('answers 400 without redirecting for an unknown client', async () => {
    const server = await startServer();
    const response = await raw(`${server.url}/oauth/authorize?response_type=code&client_id=someone-else&state=s`);
    expect(response.status).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(response.json()).toEqual({
      error: { error_name: 'bad_request', error_msg: 'Unknown client_id.', error_path: 'client_id' },
    });
  });

  it('redirects an unsupported response_type back with the RFC 6749 error', async () => {
    const server = await startServer();
    const response = await raw(
      `${server.url}/oauth/authorize?response_type=token&client_id=${server.clientId}&state=s`,
    );
    const location = new URL(String(response.headers.location));
    expect(location.searchParams.get('error')).toBe('unsupported_response_type');
    expect(location.searchParams.get('state')).toBe('s');
  });
});

describe('POST /oauth/token', () => {
  it('exchanges a consented code for tokens with the configured lifetime and the state echoed', async () => {
    const server = await startServer({ accessTokenTtlSeconds: 120 });
    const client = makeClient(server);
    const { code, state } = await consent(client);
    const { data, rateLimit, headers } = await client.exchangeCodeWithResponse({ code, state, expectedState: state });
    expect(data.expiresIn).toBe(120);
    expect(data.state).toBe(state);
    expect(data.tokenType).toBe('Bearer');
    expect(server.isAccessTokenActive(data.accessToken)).toBe(true);
    expect(rateLimit).toEqual(expect.objectContaining({ limit: 1000, remaining: 999 }));
    expect(headers['cache-control']).toBe('no-store');
  });

  it('makes codes single-use: the second exchange fails with invalid_grant', async () => {
    const server = await startServer();
    const client = makeClient(server);
    const code = server.issueCode();
    await client.exchangeCode({ code, state: 'any' });
    const error = await rejectionOf(client.exchangeCode({ code, state: 'any' }));
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_grant',
      description: 'The authorization code has expired or was already used.',
      requiresReauthorization: true,
    });
    expect(server.requests.oauthTokenGenerate).toBe(2);
  });

  it('expires unused codes after codeTtlSeconds', async () => {
    const clock = fakeClock();
    const server = await startServer({ now: clock.now, codeTtlSeconds: 60 });
    const code = server.issueCode();
    clock.advance(60_000);
    const error = await rejectionOf(makeClient(server).exchangeCode({ code, state: 's' }));
    expect(error).toMatchObject({ status: 400, code: 'invalid_grant' });
  });

  it('refuses a code presented with another state than consent saw', async () => {
    const server = await startServer();
    const code = server.issueCode({ state: 'expected' });
    const error = await rejectionOf(makeClient(server).exchangeCode({ code, state: 'forged' }));
    expect(error).toMatchObject({ code: 'invalid_grant', description: expect.stringContaining('state') });
  });

  it('answers 401 unauthorized in the Dropbox Sign shape for a wrong secret', async () => {
    const server = await startServer();
    const error = await rejectionOf(
      makeClient(server, { clientSecret: 'not-the-secret' }).exchangeCode({ code: server.issueCode(), state: 's' }),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('accepts form-urlencoded bodies as the service does', async () => {
    const server = await startServer();
    const form = new URLSearchParams({
      client_id: server.clientId,
      client_secret: server.clientSecret,
      code: server.issueCode(),
      state: 's',
      grant_type: 'authorization_code',
    });
    const response = await raw(`${server.url}/oauth/token`, {
      method: 'POST',
      body: form.toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual(expect.objectContaining({ token_type: 'Bearer', state: 's' }));
  });

  describe('validates the body against OAuthTokenGenerateRequest', () => {
    let server: MockServer;
    let valid: Record<string, unknown>;

    beforeEach(async () => {
      server = await startServer();
      valid = {
        client_id: server.clientId,
        client_secret: server.clientSecret,
        code: server.issueCode(),
        state: 's',
        grant_type: 'authorization_code',
      };
    });

    it.each(['client_id', 'client_secret', 'code', 'state', 'grant_type'])(
      'answers 400 bad_request naming a missing %s',
      async (field) => {
        const response = await postJson(`${server.url}/oauth/token`, { ...valid, [field]: undefined });
        expect(response.status).toBe(400);
        expect(response.json()).toEqual({
          error: { error_name: 'bad_request', error_msg: 'This value should not be blank', error_path: field },
        });
      },
    );

    it('answers 400 bad_request for a field of the wrong type', async () => {
      const response = await postJson(`${server.url}/oauth/token`, { ...valid, code: 12345 });
      expect(response.status).toBe(400);
      expect(response.json()).toEqual({
        error: expect.objectContaining({ error_name: 'bad_request', error_path: 'code' }),
      });
    });

    it('answers 400 for a body that is not JSON, or not an object', async () => {
      const notJson = await raw(`${server.url}/oauth/token`, {
        method: 'POST',
        body: '{"code":',
        contentType: 'application/json',
      });
      expect(notJson.status).toBe(400);
      expect((await postJson(`${server.url}/oauth/token`, ['code'])).status).toBe(400);
    });

    it('answers 415 for a content type it does not read', async () => {
      const response = await raw(`${server.url}/oauth/token`, { method: 'POST', body: 'x', contentType: 'text/plain' });
      expect(response.status).toBe(415);
    });

    it('answers unsupported_grant_type for another grant_type', async () => {
      const response = await postJson(`${server.url}/oauth/token`, { ...valid, grant_type: 'password' });
      expect(response.status).toBe(400);
      expect(response.json()).toEqual({ error: 'unsupported_grant_type', error_description: expect.any(String) });
    });

    it('answers 405 for another method', async () => {
      expect((await raw(`${server.url}/oauth/token`)).status).toBe(405);
    });
  });
});

describe('POST /oauth/token?refresh', () => {
  it('keeps the refresh token by default and issues a new access token', async () => {
    const server = await startServer();
    const client = makeClient(server);
    const grant = server.issueTokens();
    const first = await client.refresh(grant.refresh_token);
    const second = await client.refresh(grant.refresh_token);
    expect(first.refreshToken).toBe(grant.refresh_token);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(first.state).toBeUndefined();
    expect(server.requests.oauthTokenRefresh).toBe(2);
  });

  it('rotates refresh tokens when asked: the old one then fails with invalid_grant', async () => {
    const server = await startServer({ rotateRefreshTokens: true });
    const client = makeClient(server);
    const grant = server.issueTokens();
    const refreshed = await client.refresh(grant.refresh_token);
    expect(refreshed.refreshToken).not.toBe(grant.refresh_token);
    await expect(client.refresh(refreshed)).resolves.toBeDefined();
    const error = await rejectionOf(client.refresh(grant.refresh_token));
    expect(error).toMatchObject({ status: 400, code: 'invalid_grant', requiresReauthorization: true });
  });

  it('expires access tokens after accessTokenTtlSeconds, and a refresh brings a live one', async () => {
    const clock = fakeClock();
    const server = await startServer({ now: clock.now, accessTokenTtlSeconds: 30 });
    const client = makeClient(server, { now: clock.now });
    const tokens = await client.exchangeCode({ code: server.issueCode(), state: 's' });
    expect(tokens.expiresAt?.getTime()).toBe(clock.now() + 30_000);
    clock.advance(30_000);
    expect(server.isAccessTokenActive(tokens.accessToken)).toBe(false);
    expect(tokens.isExpired(0, clock.now())).toBe(true);
    const session = client.session(tokens);
    const fresh = await session.getAccessToken();
    expect(fresh).not.toBe(tokens.accessToken);
    expect(server.isAccessTokenActive(fresh)).toBe(true);
  });

  it('refuses a revoked refresh token', async () => {
    const server = await startServer();
    const grant = server.issueTokens();
    expect(server.revokeRefreshToken(grant.refresh_token)).toBe(true);
    const error = await rejectionOf(makeClient(server).refresh(grant.refresh_token));
    expect(error).toMatchObject({ code: 'invalid_grant' });
  });

  it('requires client credentials unless configured for an older app', async () => {
    const strict = await startServer();
    const body = { grant_type: 'refresh_token', refresh_token: strict.issueTokens().refresh_token };
    const refused = await postJson(`${strict.url}/oauth/token?refresh`, body);
    expect(refused.status).toBe(401);
    expect(refused.json()).toEqual({
      error: { error_name: 'unauthorized', error_msg: 'Unauthorized user. No credentials supplied.' },
    });
    const lenient = await startServer({ refreshRequiresClientCredentials: false });
    const accepted = await postJson(`${lenient.url}/oauth/token?refresh`, {
      grant_type: 'refresh_token',
      refresh_token: lenient.issueTokens().refresh_token,
    });
    expect(accepted.status).toBe(200);
  });

  it('answers 400 bad_request naming a missing refresh_token', async () => {
    const server = await startServer();
    const response = await postJson(`${server.url}/oauth/token?refresh`, {
      grant_type: 'refresh_token',
      client_id: server.clientId,
      client_secret: server.clientSecret,
    });
    expect(response.status).toBe(400);
    expect(response.json()).toEqual({ error: expect.objectContaining({ error_path: 'refresh_token' }) });
  });

  it('also refreshes through plain /oauth/token, as the legacy SDKs did', async () => {
    const server = await startServer();
    const response = await postJson(`${server.url}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: server.issueTokens().refresh_token,
      client_id: server.clientId,
      client_secret: server.clientSecret,
    });
    expect(response.status).toBe(200);
  });
});

describe('rate limit', () => {
  it('sends the X-RateLimit headers and answers 429 exceeded_rate past the limit', async () => {
    const server = await startServer({ rateLimit: { limit: 1, windowSeconds: 60 } });
    const client = makeClient(server, { maxRetries: 0 });
    const grant = server.issueTokens();
    await client.refresh(grant.refresh_token);
    const error = await rejectionOf(client.refresh(grant.refresh_token));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({
      status: 429,
      code: 'exceeded_rate',
      rateLimit: expect.objectContaining({ limit: 1 }),
    });
    expect((error as RateLimitError).retryAfterMs).toBeGreaterThan(0);
  });
});

describe('inject', () => {
  it('429 with Retry-After: the client waits, retries and succeeds', async () => {
    const server = await startServer();
    server.inject({ type: '429', retryAfter: 0, times: 1 });
    const tokens = await makeClient(server).refresh(server.issueTokens().refresh_token);
    expect(tokens.accessToken).toBeTruthy();
    expect(server.requests.oauthTokenRefresh).toBe(2);
  });

  it('429 answers exceeded_rate with the Retry-After it was given', async () => {
    const server = await startServer();
    server.inject({ type: '429', retryAfter: 7 });
    const error = await rejectionOf(makeClient(server, { maxRetries: 0 }).refresh(server.issueTokens().refresh_token));
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ code: 'exceeded_rate', retryAfterMs: 7000 });
  });

  it('5xx answers in the Dropbox Sign shape and is not retried', async () => {
    const server = await startServer();
    server.inject({ type: '5xx', status: 503 });
    const error = await rejectionOf(makeClient(server).exchangeCode({ code: server.issueCode(), state: 's' }));
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({ status: 503, code: 'internal_server_error' });
    expect(server.requests.oauthTokenGenerate).toBe(1);
  });

  it('html-502 answers a proxy page the client reads as text', async () => {
    const server = await startServer();
    server.inject({ type: 'html-502' });
    const error = await rejectionOf(makeClient(server).refresh(server.issueTokens().refresh_token));
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({ status: 502, code: 'http_502', description: '502 Bad Gateway 502 Bad Gateway' });
  });

  it('reset drops the connection after the request arrived, so the client does not retry', async () => {
    const server = await startServer();
    server.inject({ type: 'reset' });
    const error = await rejectionOf(makeClient(server).exchangeCode({ code: server.issueCode(), state: 's' }));
    expect(error).toBeInstanceOf(OAuthConnectionError);
    expect(server.requests.oauthTokenGenerate).toBe(1);
  });

  it('silence never answers: the client times out', async () => {
    const server = await startServer();
    server.inject({ type: 'silence' });
    const error = await rejectionOf(makeClient(server, { timeoutMs: 200 }).refresh(server.issueTokens().refresh_token));
    expect(error).toBeInstanceOf(OAuthTimeoutError);
  });

  it('latency delays the answer, which then comes as usual', async () => {
    const server = await startServer();
    server.inject({ type: 'latency', ms: 50 });
    await expect(makeClient(server).refresh(server.issueTokens().refresh_token)).resolves.toBeDefined();
  });

  it('respond sends any status and body', async () => {
    const server = await startServer();
    server.inject({ type: 'respond', status: 200, body: '{}', headers: { 'content-type': 'application/json' } });
    const error = await rejectionOf(makeClient(server).refresh(server.issueTokens().refresh_token));
    expect(error).toMatchObject({ code: 'OAUTH_INVALID_RESPONSE' });
  });

  it('hits only the named operation, `times` times, until cleared', async () => {
    const server = await startServer();
    server.inject({ type: '5xx', operation: 'oauthTokenGenerate', times: Number.POSITIVE_INFINITY });
    const client = makeClient(server);
    await expect(client.refresh(server.issueTokens().refresh_token)).resolves.toBeDefined();
    await expect(client.exchangeCode({ code: server.issueCode(), state: 's' })).rejects.toMatchObject({ status: 500 });
    await expect(client.exchangeCode({ code: server.issueCode(), state: 's' })).rejects.toMatchObject({ status: 500 });
    server.clearFaults();
    await expect(client.exchangeCode({ code: server.issueCode(), state: 's' })).resolves.toBeDefined();
  });

  it('can fail the authorize step too', async () => {
    const server = await startServer();
    server.inject({ type: 'html-502', operation: 'authorize' });
    const response = await raw(makeClient(server).authorizeUrl().url);
    expect(response.status).toBe(502);
    expect(response.headers['content-type']).toMatch(/text\/html/);
  });

  it('refuses an unknown fault type', async () => {
    const server = await startServer();
    expect(() => server.inject({ type: 'meteor' } as never)).toThrow(/Unknown fault type/);
  });
});

describe('close', () => {
  it('ends a connection the server left hanging, and can be called twice', async () => {
    const server = await startServer();
    server.inject({ type: 'silence' });
    const hanging = new Promise<string>((resolve) => {
      const req = request(`${server.url}/oauth/token?refresh`, { method: 'POST', agent: false }, () =>
        resolve('answered'),
      );
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      req.end('{}');
    });
    // Wait until the server holds the request, so close() has a live socket to end.
    await waitUntil(() => server.requests.oauthTokenRefresh > 0, 5_000, 'the server to hold the request');
    await server.close();
    await server.close();
    expect(await hanging).toBe('ECONNRESET');
  });
});
