import nock from 'nock';
import {
  OAuthClient,
  type OAuthClientOptions,
  OAuthError,
  OAuthValidationError,
  StateMismatchError,
  TokenSet,
} from '../../src/index.js';
import { releaseNock } from '../nock-release.js';
import {
  ACCESS_TOKEN,
  CLIENT_ID,
  CODE,
  expectNoLeak,
  REFRESH_TOKEN,
  rejectionOf,
  SECRET,
  STATE,
  TOKEN_BODY,
} from './support.js';

// No interceptors and no network: any request at all would fail the test with a different error.
beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(releaseNock);

const valid: OAuthClientOptions = { clientId: CLIENT_ID, clientSecret: SECRET };

function constructionError(options: unknown): unknown {
  try {
    new OAuthClient(options as OAuthClientOptions);
  } catch (error) {
    return error;
  }
  throw new Error('expected the constructor to throw');
}

describe('OAuthClient options', () => {
  it.each<[string, unknown]>([
    ['no options', undefined],
    ['null', null],
    ['a string', 'client'],
    ['no clientId', { clientSecret: SECRET }],
    ['an empty clientId', { ...valid, clientId: '' }],
    ['a blank clientId', { ...valid, clientId: '   ' }],
    ['a numeric clientId', { ...valid, clientId: 42 }],
    ['no clientSecret', { clientId: CLIENT_ID }],
    ['an empty clientSecret', { ...valid, clientSecret: '' }],
    ['a non-string clientSecret', { ...valid, clientSecret: { value: SECRET } }],
    ['an unknown option', { ...valid, clientsecret: SECRET }],
    ['a relative baseUrl', { ...valid, baseUrl: '/oauth' }],
    ['a non-URL baseUrl', { ...valid, baseUrl: 'not a url' }],
    ['an empty baseUrl', { ...valid, baseUrl: '' }],
    ['an ftp: baseUrl', { ...valid, baseUrl: 'ftp://app.hellosign.com' }],
    ['an http: baseUrl', { ...valid, baseUrl: 'http://app.hellosign.com' }],
    [
      'an http: non-loopback baseUrl with allowInsecureHttp',
      { ...valid, baseUrl: 'http://10.0.0.1', allowInsecureHttp: true },
    ],
    ['an http: loopback baseUrl without allowInsecureHttp', { ...valid, baseUrl: 'http://127.0.0.1:8080' }],
    ['a baseUrl with a query', { ...valid, baseUrl: 'https://app.hellosign.com/?x=1' }],
    ['a baseUrl with a fragment', { ...valid, baseUrl: 'https://app.hellosign.com/#x' }],
    ['a baseUrl with credentials', { ...valid, baseUrl: `https://user:${SECRET}@app.hellosign.com` }],
    ['a non-boolean allowInsecureHttp', { ...valid, allowInsecureHttp: 'yes' }],
    ['a zero timeoutMs', { ...valid, timeoutMs: 0 }],
    ['a negative timeoutMs', { ...valid, timeoutMs: -1 }],
    ['a NaN timeoutMs', { ...valid, timeoutMs: Number.NaN }],
    ['an infinite timeoutMs', { ...valid, timeoutMs: Number.POSITIVE_INFINITY }],
    ['a timeoutMs a timer cannot wait', { ...valid, timeoutMs: 2 ** 31 }],
    ['a string timeoutMs', { ...valid, timeoutMs: '1000' }],
    ['a fractional maxRetries', { ...valid, maxRetries: 1.5 }],
    ['a negative maxRetries', { ...valid, maxRetries: -1 }],
    ['an excessive maxRetries', { ...valid, maxRetries: 11 }],
    ['a negative retryBaseDelayMs', { ...valid, retryBaseDelayMs: -1 }],
    ['a negative maxRetryAfterMs', { ...valid, maxRetryAfterMs: -5 }],
    ['a zero maxResponseBytes', { ...valid, maxResponseBytes: 0 }],
    ['a fractional maxResponseBytes', { ...valid, maxResponseBytes: 10.5 }],
    ['a non-function fetch', { ...valid, fetch: 'fetch' }],
    ['a non-function now', { ...valid, now: 5 }],
    ['a null logger', { ...valid, logger: null }],
    ['a string logger', { ...valid, logger: 'console' }],
    ['a logger with a non-function level', { ...valid, logger: { info: 'yes' } }],
    ['a multi-line userAgent', { ...valid, userAgent: 'app/1\r\nX-Evil: 1' }],
    ['a non-ASCII userAgent', { ...valid, userAgent: 'app/1 é' }],
    ['a non-string userAgent', { ...valid, userAgent: 7 }],
  ])('rejects %s with OAuthValidationError, without echoing the secret', (_label, options) => {
    const error = constructionError(options);
    expect(error).toBeInstanceOf(OAuthValidationError);
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthValidationError).code).toBe('OAUTH_INVALID_INPUT');
    expectNoLeak(error);
  });

  it.each(['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080', 'http://LOCALHOST'])(
    'allows the loopback http: base %s with allowInsecureHttp',
    (baseUrl) => {
      expect(new OAuthClient({ ...valid, baseUrl, allowInsecureHttp: true }).baseUrl).toBe(
        new URL(baseUrl).toString().replace(/\/$/, ''),
      );
    },
  );

  it('defaults to the OAuth host and accepts another https: base', () => {
    expect(new OAuthClient(valid).baseUrl).toBe('https://app.hellosign.com');
    expect(new OAuthClient({ ...valid, baseUrl: 'https://proxy.example/hs/' }).baseUrl).toBe(
      'https://proxy.example/hs',
    );
  });

  it('accepts a partial logger', () => {
    expect(() => new OAuthClient({ ...valid, logger: { warn: () => undefined } })).not.toThrow();
  });
});

describe('method arguments are checked before any request', () => {
  const fetch = jest.fn();
  const client = new OAuthClient({ ...valid, fetch });
  afterEach(() => expect(fetch).not.toHaveBeenCalled());

  it.each<[string, unknown]>([
    ['no params', undefined],
    ['null params', null],
    ['a string', CODE],
    ['no code', { state: STATE }],
    ['an empty code', { code: '', state: STATE }],
    ['a blank code', { code: ' \t', state: STATE }],
    ['a numeric code', { code: 123, state: STATE }],
    ['no state', { code: CODE }],
    ['an empty state', { code: CODE, state: '' }],
    ['an empty expectedState', { code: CODE, state: STATE, expectedState: '' }],
    ['a signal that is not an AbortSignal', { code: CODE, state: STATE, signal: { aborted: false } }],
  ])('exchangeCode rejects %s with OAuthValidationError', async (_label, params) => {
    const error = await rejectionOf(client.exchangeCode(params as never));
    expect(error).toBeInstanceOf(OAuthValidationError);
    expectNoLeak(error);
  });

  it.each<[string, unknown, unknown?]>([
    ['no refresh token', undefined],
    ['null', null],
    ['an empty string', ''],
    ['a blank string', '  '],
    ['a number', 42],
    ['tokens without a refresh token', new TokenSet({ accessToken: ACCESS_TOKEN })],
    ['token JSON without a refresh token', { accessToken: ACCESS_TOKEN, tokenType: 'Bearer' }],
    ['token JSON without an access token', { refreshToken: REFRESH_TOKEN }],
    ['a signal that is not an AbortSignal', REFRESH_TOKEN, { signal: 'abort' }],
    // A rest parameter: a third declared parameter would make jest treat the test as callback-style.
  ])('refresh rejects %s with OAuthValidationError', async (_label, tokens, ...options) => {
    const error = await rejectionOf(client.refresh(tokens as never, options[0] as never));
    expect(error).toBeInstanceOf(OAuthValidationError);
    expectNoLeak(error);
  });

  it('refuses a state that differs from expectedState with StateMismatchError', async () => {
    const error = await rejectionOf(client.exchangeCode({ code: CODE, state: 'attacker', expectedState: STATE }));
    expect(error).toBeInstanceOf(StateMismatchError);
    expect(error).toBeInstanceOf(OAuthValidationError);
    expect((error as StateMismatchError).code).toBe('OAUTH_STATE_MISMATCH');
    expect((error as Error).message).not.toContain('attacker');
    expect((error as Error).message).not.toContain(STATE);
  });

  it('refuses a state that differs only in length', async () => {
    const error = await rejectionOf(client.exchangeCode({ code: CODE, state: `${STATE}0`, expectedState: STATE }));
    expect(error).toBeInstanceOf(StateMismatchError);
  });
});

describe('a clock that does not return milliseconds', () => {
  // The expiry is counted from the clock: checked only once the answer came, the code was spent
  // (or the refresh token rotated) and the tokens the server issued were lost with the error.
  it.each<[string, () => unknown]>([
    ['a Date', () => new Date()],
    ['NaN', () => Number.NaN],
    ['a numeric string', () => '1700000000000'],
  ])('returning %s is refused before the code is sent', async (_label, now) => {
    const fetch = jest.fn(async () => new Response(JSON.stringify(TOKEN_BODY), { status: 200 }));
    const client = new OAuthClient({ ...valid, fetch, now: now as never });
    const error = await rejectionOf(client.exchangeCode({ code: CODE, state: STATE }));
    expect(error).toBeInstanceOf(OAuthValidationError);
    expect((error as Error).message).toContain('now');
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('a matching expectedState', () => {
  it('lets the exchange through', async () => {
    const fetch = jest.fn(async () => new Response(JSON.stringify(TOKEN_BODY), { status: 200 }));
    const tokens = await new OAuthClient({ ...valid, fetch }).exchangeCode({
      code: CODE,
      state: STATE,
      expectedState: STATE,
    });
    expect(tokens.state).toBe(STATE);
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});

describe('a logger that throws', () => {
  it('cannot turn issued tokens into an error', async () => {
    const fetch = async () => new Response(JSON.stringify(TOKEN_BODY), { status: 200 });
    const explode = () => {
      throw new Error('log sink down');
    };
    const logger = { debug: explode, info: explode, warn: explode, error: explode };
    const tokens = await new OAuthClient({ ...valid, fetch, logger }).exchangeCode({ code: CODE, state: STATE });
    expect(tokens.accessToken).toBe(ACCESS_TOKEN);
  });
});

describe('authorizeUrl', () => {
  const client = new OAuthClient(valid);

  it('builds the consent URL with a fresh 128-bit state when none is given', () => {
    const first = client.authorizeUrl();
    const second = client.authorizeUrl();
    const url = new URL(first.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://app.hellosign.com/oauth/authorize');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(url.searchParams.get('state')).toBe(first.state);
    expect(Buffer.from(first.state, 'base64url')).toHaveLength(16);
    expect(second.state).not.toBe(first.state);
    expect(first.url).not.toContain(SECRET);
  });

  it('uses the given state and redirect URI', () => {
    const { url, state } = client.authorizeUrl({ state: 'my state', redirectUri: 'https://example.com/cb?x=1' });
    expect(state).toBe('my state');
    const params = new URL(url).searchParams;
    expect(params.get('state')).toBe('my state');
    expect(params.get('redirect_uri')).toBe('https://example.com/cb?x=1');
  });

  it.each<[string, unknown]>([
    ['an empty state', { state: '' }],
    ['a non-string state', { state: 5 }],
    ['a relative redirect URI', { redirectUri: '/callback' }],
    ['an empty redirect URI', { redirectUri: '' }],
  ])('rejects %s with OAuthValidationError', (_label, params) => {
    expect(() => client.authorizeUrl(params as never)).toThrow(OAuthValidationError);
  });
});
