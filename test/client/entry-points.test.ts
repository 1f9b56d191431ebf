import { runInNewContext } from 'node:vm';
import {
  MemoryTokenStore,
  OAuthApiError,
  OAuthClient,
  OAuthValidationError,
  parseRateLimit,
  RateLimitError,
  TokenManager,
  TokenSession,
  TokenSet,
} from '../../src/index.js';
import { ACCESS_TOKEN, CLIENT_ID, expectNoLeak, REFRESH_TOKEN, SECRET, TOKEN_BODY } from './support.js';

const client = new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, fetch: jest.fn() });
const tokens = new TokenSet({ accessToken: ACCESS_TOKEN, refreshToken: REFRESH_TOKEN });

/** Calls `call` (sync or async) and returns what it threw or rejected with. */
async function failureOf(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** [entry point and input, the call, a word the message must contain to name the field]. */
const badCalls: [string, () => unknown, string][] = [
  ['authorizeUrl(null)', () => client.authorizeUrl(null as never), 'params'],
  ['authorizeUrl("state")', () => client.authorizeUrl('state' as never), 'params'],
  ['authorizeUrl({ state: 5 })', () => client.authorizeUrl({ state: 5 } as never), 'state'],
  ['OAuthClient.fromEnv({}, null)', () => OAuthClient.fromEnv({}, null as never), 'env'],
  ['OAuthClient.fromEnv({}, "env")', () => OAuthClient.fromEnv({}, 'env' as never), 'env'],
  [
    'OAuthClient.fromEnv with a non-string variable',
    () => OAuthClient.fromEnv({}, { HELLOSIGN_CLIENT_ID: 5, HELLOSIGN_CLIENT_SECRET: SECRET } as never),
    'HELLOSIGN_CLIENT_ID',
  ],
  ['refresh(tokens, null)', () => client.refresh(REFRESH_TOKEN, null as never), 'options'],
  ['session(tokens, null)', () => client.session(tokens, null as never), 'options'],
  ['session(tokens, "x")', () => client.session(tokens, 'x' as never), 'options'],
  ['new TokenSet(null)', () => new TokenSet(null as never), 'init'],
  ['new TokenSet(undefined)', () => new TokenSet(undefined as never), 'init'],
  ['new TokenSet({ accessToken: 5 })', () => new TokenSet({ accessToken: 5 } as never), 'accessToken'],
  ['new TokenSet({ accessToken: "" })', () => new TokenSet({ accessToken: '' }), 'accessToken'],
  [
    'new TokenSet with a NaN expiresAt',
    () => new TokenSet({ accessToken: 'a', expiresAt: new Date(Number.NaN) }),
    'expiresAt',
  ],
  [
    'new TokenSet with a Date whose own getTime hides that it is invalid',
    () =>
      new TokenSet({
        accessToken: 'a',
        expiresAt: new (class extends Date {
          getTime = () => 0;
        })(Number.NaN),
      }),
    'expiresAt',
  ],
  [
    'new TokenSet with a string expiresAt',
    () => new TokenSet({ accessToken: 'a', expiresAt: '2030-01-01' } as never),
    'expiresAt',
  ],
  ['new TokenSet with a NaN expiresIn', () => new TokenSet({ accessToken: 'a', expiresIn: Number.NaN }), 'expiresIn'],
  ['new TokenSet with a negative expiresIn', () => new TokenSet({ accessToken: 'a', expiresIn: -1 }), 'expiresIn'],
  [
    'new TokenSet with a numeric refreshToken',
    () => new TokenSet({ accessToken: 'a', refreshToken: 5 } as never),
    'refreshToken',
  ],
  [
    'new TokenSet with a numeric tokenType',
    () => new TokenSet({ accessToken: 'a', tokenType: 1 } as never),
    'tokenType',
  ],
  ['new TokenSet with an object state', () => new TokenSet({ accessToken: 'a', state: {} } as never), 'state'],
  ['tokens.isExpired(NaN)', () => tokens.isExpired(Number.NaN), 'marginSeconds'],
  ['tokens.isExpired(0, "now")', () => tokens.isExpired(0, 'now' as never), 'now'],
  ['parseRateLimit(null)', () => parseRateLimit(null as never), 'headers'],
  [
    'parseRateLimit with a numeric header',
    () => parseRateLimit({ 'x-ratelimit-limit': 5 } as never),
    'x-ratelimit-limit',
  ],
  ['new OAuthApiError(null)', () => new OAuthApiError(null as never), 'status'],
  ['new RateLimitError({})', () => new RateLimitError({} as never), 'status'],
  ['new TokenSession(null, tokens)', () => new TokenSession(null as never, tokens), 'OAuthClient'],
  [
    'new TokenManager({ client }) with a client that has no clock',
    () => new TokenManager({ client: { refresh: async () => tokens } as never }),
    'now',
  ],
  ['MemoryTokenStore.set(5, tokens)', () => new MemoryTokenStore().set(5 as never, tokens.toJSON()), 'key'],
  ['MemoryTokenStore.set(key, null)', () => new MemoryTokenStore().set('k', null as never), 'tokens'],
  ['MemoryTokenStore.get("")', () => new MemoryTokenStore().get(''), 'key'],
  [
    'MemoryTokenStore.compareAndSet(key, null, tokens)',
    () => new MemoryTokenStore().compareAndSet('k', null as never, tokens.toJSON()),
    'expected',
  ],
];

describe('every public entry point refuses bad input with OAuthValidationError naming the field', () => {
  it.each(badCalls)('%s', async (_label, call, field) => {
    const error = await failureOf(call);
    expect(error).toBeInstanceOf(OAuthValidationError);
    expect((error as OAuthValidationError).code).toBe('OAUTH_INVALID_INPUT');
    expect((error as Error).message).toContain(field);
    expectNoLeak(error);
  });

  it('setTokens refuses tokens whose expiry is not a date, and keeps what was stored', async () => {
    const manager = new TokenManager({ client });
    await manager.setTokens('grant', tokens);
    const bad = { accessToken: 'a', tokenType: 'Bearer', expiresAt: 'not a date' };
    await expect(manager.setTokens('grant', bad)).rejects.toThrow(OAuthValidationError);
    expect((await manager.getTokens('grant'))?.accessToken).toBe(ACCESS_TOKEN);
  });
});

describe('a TokenSet keeps the expiry it was checked with', () => {
  it('even when the caller later changes the Date it passed, so setTokens cannot fail with a RangeError', async () => {
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    const set = new TokenSet({ accessToken: ACCESS_TOKEN, refreshToken: REFRESH_TOKEN, expiresAt });
    expiresAt.setTime(Number.NaN);
    const manager = new TokenManager({ client });
    await manager.setTokens('grant', set);
    expect((await manager.getTokens('grant'))?.expiresAt?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });
});

describe('good input still passes', () => {
  it('TokenSet accepts every documented field, a cross-realm-safe Date included', () => {
    const set = new TokenSet({
      accessToken: 'a',
      refreshToken: 'r',
      tokenType: 'Bearer',
      expiresIn: 0,
      expiresAt: new Date(0),
      state: null,
    });
    expect(set.isExpired(0, 1)).toBe(true);
    expect(TokenSet.fromJSON(JSON.stringify(set))).toEqual(set);
    const foreign = runInNewContext('new Date(86400000)') as Date;
    expect(new TokenSet({ accessToken: 'a', expiresAt: foreign }).expiresAt?.getTime()).toBe(86_400_000);
  });

  it('fromJSON still reads an empty tokenType as the default', () => {
    expect(TokenSet.fromJSON({ accessToken: 'a', tokenType: '' }).tokenType).toBe('Bearer');
  });

  it('refresh takes no options, or an empty object', async () => {
    const fetch = jest.fn(async () => new Response(JSON.stringify(TOKEN_BODY), { status: 200 }));
    const c = new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, fetch });
    await expect(c.refresh(REFRESH_TOKEN)).resolves.toBeInstanceOf(TokenSet);
    await expect(c.refresh(REFRESH_TOKEN, {})).resolves.toBeInstanceOf(TokenSet);
  });
});
