import { inspect } from 'node:util';
import {
  type FetchLike,
  InvalidResponseError,
  OAuthAbortError,
  OAuthApiError,
  OAuthClient,
  type OAuthClientOptions,
  OAuthConnectionError,
  type OAuthError,
  OAuthTimeoutError,
  OAuthValidationError,
  StateMismatchError,
  TokenSet,
} from '../../src/index.js';
import {
  ACCESS_TOKEN,
  ALL_SECRETS,
  CLIENT_ID,
  CODE,
  expectNoLeak,
  REFRESH_TOKEN,
  recordingLogger,
  rejectionOf,
  SECRET,
  STATE,
  TOKEN_BODY,
} from './support.js';

const echo = `${SECRET} ${CODE} ${REFRESH_TOKEN}`;

const respond =
  (status: number, body: string, headers: Record<string, string> = {}): FetchLike =>
  async () =>
    new Response(body, { status, headers });

/** Each failure the client can produce, provoked with a fetch that echoes every secret it can. */
const failures: [string, FetchLike, Partial<OAuthClientOptions>, new (...args: never[]) => OAuthError][] = [
  [
    'a Dropbox-shaped 400 echoing the request',
    respond(400, JSON.stringify({ error: { error_name: echo, error_msg: echo, error_path: echo } }), {
      'x-echo': echo,
    }),
    {},
    OAuthApiError,
  ],
  [
    'an RFC-shaped 401 echoing the request',
    respond(401, JSON.stringify({ error: 'invalid_client', error_description: echo })),
    {},
    OAuthApiError,
  ],
  ['an HTML 502 echoing the request', respond(502, `<html><body><pre>${echo}</pre></body></html>`), {}, OAuthApiError],
  [
    'a 307 whose Location carries the code',
    respond(307, '', { location: `https://elsewhere.example/?code=${CODE}&secret=${SECRET}` }),
    {},
    OAuthApiError,
  ],
  [
    'a 429 retried until the retries ran out',
    respond(429, JSON.stringify({ error: { error_name: 'exceeded_rate', error_msg: echo } }), { 'retry-after': '0' }),
    { maxRetries: 2 },
    OAuthApiError,
  ],
  [
    'malformed JSON holding a token',
    respond(200, `{"access_token":"${ACCESS_TOKEN}", "refresh_token":`),
    {},
    InvalidResponseError,
  ],
  [
    'a token body with a non-numeric expires_in',
    respond(200, JSON.stringify({ ...TOKEN_BODY, expires_in: 'tomorrow' })),
    {},
    InvalidResponseError,
  ],
  [
    'a token body without access_token',
    respond(200, JSON.stringify({ refresh_token: REFRESH_TOKEN, echo })),
    {},
    InvalidResponseError,
  ],
  [
    'an oversized body',
    respond(200, JSON.stringify({ ...TOKEN_BODY, padding: 'x'.repeat(2048) })),
    { maxResponseBytes: 1024 },
    InvalidResponseError,
  ],
  [
    'a fetch that rejects with the request in its message and its properties',
    async (url, init) => {
      throw Object.assign(new Error(`POST ${url} failed: ${init.body}`), {
        code: 'ECONNREFUSED',
        config: init,
        cause: new Error(`inner: ${init.body}`),
      });
    },
    {},
    OAuthConnectionError,
  ],
  [
    'a fetch that rejects with a bare string holding the body',
    async (_url, init) => {
      throw `failed: ${init.body}`;
    },
    {},
    OAuthConnectionError,
  ],
  [
    'a fetch that never answers',
    (_url, init) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(new Error(`${init.body}`))),
      ),
    { timeoutMs: 20 },
    OAuthTimeoutError,
  ],
];

function client(fetch: FetchLike, options: Partial<OAuthClientOptions>) {
  return new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, fetch, retryBaseDelayMs: 1, ...options });
}

describe('no secret reaches an error or a log line', () => {
  it.each(failures)('%s: exchangeCode and refresh', async (_label, fetch, options, Class) => {
    const { logger, lines } = recordingLogger();
    const exchange = await rejectionOf(
      client(fetch, { logger, ...options }).exchangeCode({ code: CODE, state: STATE }),
    );
    const refresh = await rejectionOf(client(fetch, { logger, ...options }).refresh(REFRESH_TOKEN));
    expect(exchange).toBeInstanceOf(Class);
    expect(refresh).toBeInstanceOf(Class);
    // A call can only scrub what it sent: the exchange never saw the refresh token.
    expectNoLeak(exchange, [SECRET, CODE]);
    expectNoLeak(refresh, [SECRET, REFRESH_TOKEN]);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) for (const secret of ALL_SECRETS) expect(line).not.toContain(secret);
  });

  it('a caller abort', async () => {
    const controller = new AbortController();
    const fetch: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(new Error(`${init.body}`))),
      );
    const pending = client(fetch, {}).refresh(REFRESH_TOKEN, { signal: controller.signal });
    controller.abort();
    const error = await rejectionOf(pending);
    expect(error).toBeInstanceOf(OAuthAbortError);
    expectNoLeak(error);
  });

  it('validation errors, including a state mismatch', async () => {
    const fetch = respond(200, JSON.stringify(TOKEN_BODY));
    const mismatch = await rejectionOf(
      client(fetch, {}).exchangeCode({ code: CODE, state: REFRESH_TOKEN, expectedState: ACCESS_TOKEN }),
    );
    expect(mismatch).toBeInstanceOf(StateMismatchError);
    expectNoLeak(mismatch);
    expect(() => client(fetch, { baseUrl: `http://${SECRET}.example` })).toThrow(OAuthValidationError);
    try {
      client(fetch, { baseUrl: `http://${SECRET}.example` });
    } catch (error) {
      expectNoLeak(error);
    }
  });

  it('logs at every level, and no level carries a secret', async () => {
    const { logger, lines } = recordingLogger();
    let calls = 0;
    const flaky: FetchLike = async (url, init) => {
      calls += 1;
      if (calls === 1) throw Object.assign(new Error(`refused ${url} ${init.body}`), { code: 'ECONNREFUSED' });
      if (calls === 2) return new Response(echo, { status: 429, headers: { 'retry-after': '0' } });
      if (calls === 3) return new Response(JSON.stringify(TOKEN_BODY), { status: 200 });
      return new Response(echo, { status: 400 });
    };
    const c = client(flaky, { logger });
    await c.exchangeCode({ code: CODE, state: STATE });
    await rejectionOf(c.refresh(REFRESH_TOKEN));
    await rejectionOf(c.refresh(REFRESH_TOKEN, { signal: AbortSignal.abort() }));
    expect(new Set(lines.map((line) => line.split(' ')[0]))).toEqual(new Set(['debug', 'info', 'warn', 'error']));
    for (const line of lines) for (const secret of ALL_SECRETS) expect(line).not.toContain(secret);
  });
});

describe('the client hides its secret', () => {
  const c = new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET });

  it('in util.inspect, console.log form and JSON.stringify', () => {
    expect(inspect(c, { depth: 10, showHidden: true })).not.toContain(SECRET);
    expect(inspect(c)).toContain('[redacted]');
    expect(inspect(c)).toContain(CLIENT_ID);
    expect(JSON.stringify(c)).not.toContain(SECRET);
    expect(JSON.parse(JSON.stringify(c))).toEqual({ clientId: CLIENT_ID, baseUrl: 'https://app.hellosign.com' });
    expect(String(c)).not.toContain(SECRET);
    expect(Object.values(c).join(' ')).not.toContain(SECRET);
  });
});

describe('TokenSet', () => {
  const tokens = new TokenSet({
    accessToken: ACCESS_TOKEN,
    refreshToken: REFRESH_TOKEN,
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: new Date('2030-01-01T01:00:00Z'),
    state: STATE,
  });

  it('prints redacted under util.inspect and String()', () => {
    for (const text of [inspect(tokens, { depth: 10 }), inspect([{ tokens }], { depth: 10 }), String(tokens)]) {
      expect(text).not.toContain(ACCESS_TOKEN);
      expect(text).not.toContain(REFRESH_TOKEN);
    }
    expect(inspect(tokens)).toContain('[redacted]');
    expect(inspect(tokens)).toContain('2030-01-01T01:00:00.000Z');
  });

  it('keeps every value under JSON.stringify, so it can be stored', () => {
    expect(JSON.parse(JSON.stringify(tokens))).toEqual({
      accessToken: ACCESS_TOKEN,
      refreshToken: REFRESH_TOKEN,
      tokenType: 'Bearer',
      expiresIn: 3600,
      expiresAt: '2030-01-01T01:00:00.000Z',
      state: STATE,
    });
  });

  it('round-trips through TokenSet.fromJSON from a string or an object', () => {
    for (const stored of [JSON.stringify(tokens), JSON.parse(JSON.stringify(tokens))]) {
      const back = TokenSet.fromJSON(stored);
      expect(back).toBeInstanceOf(TokenSet);
      expect(back.toJSON()).toEqual(tokens.toJSON());
      expect(back.expiresAt).toEqual(tokens.expiresAt);
      expect(back.isExpired(0, Date.parse('2030-01-01T00:00:00Z'))).toBe(false);
    }
  });

  it('round-trips a minimal token set', () => {
    const minimal = new TokenSet({ accessToken: ACCESS_TOKEN });
    expect(TokenSet.fromJSON(JSON.stringify(minimal)).toJSON()).toEqual(minimal.toJSON());
  });

  it.each([
    ['invalid JSON', '{'],
    ['a non-object', '"token"'],
    ['no accessToken', { tokenType: 'Bearer' }],
    ['a bad expiresAt', { accessToken: ACCESS_TOKEN, expiresAt: 'someday' }],
    ['a non-numeric expiresIn', { accessToken: ACCESS_TOKEN, expiresIn: '10' }],
  ])('fromJSON rejects %s with OAuthValidationError, without echoing tokens', (_label, json) => {
    let error: unknown;
    try {
      TokenSet.fromJSON(json as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OAuthValidationError);
    expectNoLeak(error);
  });

  it('from the client refreshes with the refresh token it holds', async () => {
    const seen: unknown[] = [];
    const fetch: FetchLike = async (_url, init) => {
      seen.push(JSON.parse(String(init.body)));
      return new Response(JSON.stringify({ access_token: 'next-access-token', expires_in: 60 }), { status: 200 });
    };
    const c = client(fetch, {});
    const refreshed = await c.refresh(JSON.parse(JSON.stringify(tokens)));
    expect(seen[0]).toMatchObject({ refresh_token: REFRESH_TOKEN });
    expect(refreshed.refreshToken).toBe(REFRESH_TOKEN);
    expect(refreshed.state).toBeUndefined();
  });
});
