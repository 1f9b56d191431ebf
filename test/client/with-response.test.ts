import {
  ENV,
  type FetchLike,
  OAuthApiError,
  OAuthClient,
  type OAuthClientOptions,
  OAuthValidationError,
  parseRateLimit,
  RateLimitError,
  TokenSet,
} from '../../src/index.js';
import { CLIENT_ID, CODE, expectNoLeak, REFRESH_TOKEN, rejectionOf, SECRET, STATE, TOKEN_BODY } from './support.js';

const RESET = 1_900_000_000;
const RATE_HEADERS = {
  'X-RateLimit-Limit': '100',
  'X-RateLimit-Remaining': '99',
  'X-Ratelimit-Reset': String(RESET),
  'X-Request-Id': 'req-42',
};

/** A fetch that answers every request with one canned response and remembers the requests. */
function fetchAnswering(status: number, body: unknown, headers: Record<string, string> = RATE_HEADERS) {
  const requests: { url: string; body: unknown }[] = [];
  const fetch: FetchLike = async (url, init) => {
    requests.push({ url, body: JSON.parse(String(init.body)) });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
  };
  return { fetch, requests };
}

function client(fetch: FetchLike, options: Partial<OAuthClientOptions> = {}) {
  return new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, fetch, maxRetries: 0, ...options });
}

describe('exchangeCodeWithResponse and refreshWithResponse', () => {
  it('exchangeCodeWithResponse returns the tokens with status, headers and rate limit', async () => {
    const { fetch } = fetchAnswering(200, TOKEN_BODY);
    const result = await client(fetch).exchangeCodeWithResponse({ code: CODE, state: STATE });

    expect(result.data).toBeInstanceOf(TokenSet);
    expect(result.data.accessToken).toBe(TOKEN_BODY.access_token);
    expect(result.status).toBe(200);
    expect(result.headers['x-request-id']).toBe('req-42');
    expect(result.rateLimit).toEqual({ limit: 100, remaining: 99, resetAt: new Date(RESET * 1000) });
  });

  it('refreshWithResponse returns the tokens with status, headers and rate limit', async () => {
    const { fetch, requests } = fetchAnswering(200, { access_token: 'new-access-token', expires_in: 3600 });
    const result = await client(fetch).refreshWithResponse(REFRESH_TOKEN);

    expect(requests[0].url).toBe('https://app.hellosign.com/oauth/token?refresh');
    expect(result.data.accessToken).toBe('new-access-token');
    expect(result.data.refreshToken).toBe(REFRESH_TOKEN);
    expect(result.status).toBe(200);
    expect(result.rateLimit?.remaining).toBe(99);
  });

  it('gives undefined rateLimit when the headers are absent', async () => {
    const { fetch } = fetchAnswering(200, TOKEN_BODY, {});
    expect((await client(fetch).refreshWithResponse(REFRESH_TOKEN)).rateLimit).toBeUndefined();
  });

  it('the plain methods resolve the same tokens as the variants', async () => {
    const { fetch } = fetchAnswering(200, TOKEN_BODY);
    const now = () => 1_000;
    const plain = await client(fetch, { now }).exchangeCode({ code: CODE, state: STATE });
    const full = await client(fetch, { now }).exchangeCodeWithResponse({ code: CODE, state: STATE });
    expect(plain.toJSON()).toEqual(full.data.toJSON());
    const refreshed = await client(fetch, { now }).refresh(REFRESH_TOKEN);
    expect(refreshed.toJSON()).toEqual((await client(fetch, { now }).refreshWithResponse(REFRESH_TOKEN)).data.toJSON());
  });

  it.each([
    ['exchangeCodeWithResponse', (c: OAuthClient) => c.exchangeCodeWithResponse({ code: CODE, state: STATE })],
    ['refreshWithResponse', (c: OAuthClient) => c.refreshWithResponse(REFRESH_TOKEN)],
  ])('%s rejects a 429 with an OAuthApiError carrying the same rateLimit and headers', async (_name, call) => {
    const { fetch } = fetchAnswering(
      429,
      { error: { error_name: 'exceeded_rate', error_msg: 'Too many requests.' } },
      { ...RATE_HEADERS, 'X-RateLimit-Remaining': '0' },
    );
    const error = await rejectionOf(call(client(fetch)));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as OAuthApiError).rateLimit).toEqual({ limit: 100, remaining: 0, resetAt: new Date(RESET * 1000) });
    expect((error as OAuthApiError).headers['x-request-id']).toBe('req-42');
    expectNoLeak(error);
  });

  it('rejects a 400 with an OAuthApiError whose rateLimit is undefined without the headers', async () => {
    const { fetch } = fetchAnswering(400, { error: 'invalid_grant' }, {});
    const error = await rejectionOf(client(fetch).refreshWithResponse(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(OAuthApiError);
    expect((error as OAuthApiError).rateLimit).toBeUndefined();
    expect((error as OAuthApiError).requiresReauthorization).toBe(true);
  });

  it('reads rate-limit header names case-insensitively, even from a fetch that does not normalise them', async () => {
    const names = { 'X-RATELIMIT-LIMIT': '10', 'x-ratelimit-remaining': '3', 'X-RateLimit-Reset': String(RESET) };
    const fetch: FetchLike = async () => ({
      status: 200,
      headers: {
        get: (name: string) =>
          Object.entries(names).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1] ?? null,
        forEach: (callback: (value: string, name: string) => void) => {
          for (const [name, value] of Object.entries(names)) callback(value, name);
        },
      },
      text: async () => JSON.stringify(TOKEN_BODY),
    });
    const result = await client(fetch).refreshWithResponse(REFRESH_TOKEN);
    expect(result.rateLimit).toEqual({ limit: 10, remaining: 3, resetAt: new Date(RESET * 1000) });
  });
});

describe('parseRateLimit', () => {
  const full = { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '7', 'x-ratelimit-reset': String(RESET) };

  it('parses a full window', () => {
    expect(parseRateLimit(full)).toEqual({ limit: 100, remaining: 7, resetAt: new Date(RESET * 1000) });
  });

  it('accepts zero remaining and surrounding whitespace', () => {
    expect(parseRateLimit({ ...full, 'x-ratelimit-remaining': ' 0 ' })?.remaining).toBe(0);
  });

  it('takes the first of duplicated (comma-joined) values', () => {
    expect(parseRateLimit({ ...full, 'x-ratelimit-limit': '100, 200' })?.limit).toBe(100);
  });

  it.each(['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'])(
    'is undefined when %s is missing: a half-read window would mislead',
    (name) => {
      const headers: Record<string, string> = { ...full };
      delete headers[name];
      expect(parseRateLimit(headers)).toBeUndefined();
    },
  );

  it.each(['', 'abc', '-1', '1.5', '1e3', '0x10', '99999999999999999999', 'NaN'])(
    'is undefined when a value is malformed (%p)',
    (value) => {
      for (const name of Object.keys(full)) expect(parseRateLimit({ ...full, [name]: value })).toBeUndefined();
    },
  );

  it('is undefined when the reset is beyond what a Date can hold', () => {
    expect(parseRateLimit({ ...full, 'x-ratelimit-reset': String(Number.MAX_SAFE_INTEGER) })).toBeUndefined();
  });

  it('is undefined with no headers at all', () => {
    expect(parseRateLimit({})).toBeUndefined();
  });
});

describe('OAuthClient.fromEnv', () => {
  const env = {
    [ENV.clientId]: CLIENT_ID,
    [ENV.clientSecret]: SECRET,
  };

  it('names the variables it reads', () => {
    expect(ENV).toEqual({
      clientId: 'HELLOSIGN_CLIENT_ID',
      clientSecret: 'HELLOSIGN_CLIENT_SECRET',
      baseUrl: 'HELLOSIGN_OAUTH_BASE_URL',
    });
  });

  it('builds a client that sends the credentials from the environment', async () => {
    const { fetch, requests } = fetchAnswering(200, TOKEN_BODY);
    const fromEnv = OAuthClient.fromEnv({ fetch }, env);
    expect(fromEnv.clientId).toBe(CLIENT_ID);
    expect(fromEnv.baseUrl).toBe('https://app.hellosign.com');
    await fromEnv.refresh(REFRESH_TOKEN);
    expect(requests[0].body).toMatchObject({ client_id: CLIENT_ID, client_secret: SECRET });
  });

  it('reads HELLOSIGN_OAUTH_BASE_URL when set', () => {
    const fromEnv = OAuthClient.fromEnv({}, { ...env, [ENV.baseUrl]: 'https://oauth.proxy.example' });
    expect(fromEnv.baseUrl).toBe('https://oauth.proxy.example');
  });

  it('reads process.env by default', () => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      expect(OAuthClient.fromEnv().clientId).toBe(CLIENT_ID);
    } finally {
      for (const name of Object.values(ENV)) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
  });

  it.each([
    [ENV.clientId, { [ENV.clientSecret]: SECRET }],
    [ENV.clientSecret, { [ENV.clientId]: CLIENT_ID }],
    [ENV.clientSecret, { [ENV.clientId]: CLIENT_ID, [ENV.clientSecret]: '' }],
    [ENV.clientSecret, { [ENV.clientId]: CLIENT_ID, [ENV.clientSecret]: '  ' }],
  ])('names the missing %s in an OAuthValidationError, never a value', (missing, partial) => {
    let error: unknown;
    try {
      OAuthClient.fromEnv({}, partial);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OAuthValidationError);
    expect((error as Error).message).toContain(missing);
    expect((error as OAuthValidationError).code).toBe('OAUTH_MISSING_ENV');
    expectNoLeak(error, [SECRET, CLIENT_ID]);
  });

  it('does not echo an invalid base URL from the environment', () => {
    const value = `https://user:${SECRET}@example.com`;
    expect(() => OAuthClient.fromEnv({}, { ...env, [ENV.baseUrl]: value })).toThrow(OAuthValidationError);
    try {
      OAuthClient.fromEnv({}, { ...env, [ENV.baseUrl]: value });
    } catch (error) {
      expectNoLeak(error, [SECRET]);
    }
  });

  it('lets overrides win over the environment', async () => {
    const { fetch, requests } = fetchAnswering(200, TOKEN_BODY);
    const overridden = OAuthClient.fromEnv(
      { clientId: 'other-id', clientSecret: 'other-secret-value', baseUrl: 'https://override.example', fetch },
      { ...env, [ENV.baseUrl]: 'https://env.example' },
    );
    expect(overridden.clientId).toBe('other-id');
    expect(overridden.baseUrl).toBe('https://override.example');
    await overridden.refresh(REFRESH_TOKEN);
    expect(requests[0].url).toBe('https://override.example/oauth/token?refresh');
    expect(requests[0].body).toMatchObject({ client_id: 'other-id', client_secret: 'other-secret-value' });
  });

  it('needs no variable that an override supplies', () => {
    expect(OAuthClient.fromEnv({ clientId: 'id', clientSecret: 'secret-value' }, {}).clientId).toBe('id');
  });

  it('treats an override set to undefined as absent, not as erasing the variable', () => {
    expect(OAuthClient.fromEnv({ clientId: undefined }, env).clientId).toBe(CLIENT_ID);
  });

  it('rejects overrides that are not an object', () => {
    expect(() => OAuthClient.fromEnv('id' as never, env)).toThrow(OAuthValidationError);
  });

  it('passes other overrides through to the client options', () => {
    expect(() => OAuthClient.fromEnv({ timeoutMs: -1 }, env)).toThrow(OAuthValidationError);
    expect(OAuthClient.fromEnv({ baseUrl: 'http://127.0.0.1:9', allowInsecureHttp: true }, env).baseUrl).toBe(
      'http://127.0.0.1:9',
    );
  });
});
