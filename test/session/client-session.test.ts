import {
  MemoryTokenStore,
  OAuthValidationError,
  TokenManager,
  TokenNotFoundError,
  TokenSession,
  TokenSet,
  type TokenSetJSON,
  type TokenStore,
} from '../../src/index.js';
import { harness, PlainStore, settle, tokensExpiringIn } from './support.js';

const FRESH = 'access-1-NWNiOTMxOGFkOGVj';

describe('client.session', () => {
  test('keeps one grant fresh: getAccessToken, tokens, single flight, onTokens before use', async () => {
    const { client, clock, server } = harness();
    const persisted: string[] = [];
    const session = client.session(tokensExpiringIn(clock, 3600), {
      onTokens: (tokens) => {
        persisted.push(tokens.accessToken);
      },
    });
    expect(session).toBeInstanceOf(TokenSession);
    expect(session.tokens.accessToken).toBe('access-start-MDZhYzBlMGI1YzQ0');
    await expect(session.getAccessToken()).resolves.toBe('access-start-MDZhYzBlMGI1YzQ0');

    clock.advance((3600 - 300) * 1000);
    const release = server.hold();
    const callers = Array.from({ length: 100 }, () => session.getAccessToken());
    await settle();
    release();

    expect(new Set(await Promise.all(callers))).toEqual(new Set([FRESH]));
    expect(server.count).toBe(1);
    expect(persisted).toEqual([FRESH]);
    expect(session.tokens.accessToken).toBe(FRESH);
    expect(session.tokens).toBeInstanceOf(TokenSet);
  });

  test('uses the client clock and honours refreshMarginSeconds', async () => {
    const { client, clock, server } = harness();
    const session = client.session(tokensExpiringIn(clock, 600), { refreshMarginSeconds: 599 });
    await session.getAccessToken();
    expect(server.count).toBe(0);

    clock.advance(1_000);
    await session.getAccessToken();
    expect(server.count).toBe(1);
  });

  test('invalidate and setTokens', async () => {
    const { client, clock, server } = harness();
    const session = client.session(tokensExpiringIn(clock, 3600));

    session.invalidate('access-start-MDZhYzBlMGI1YzQ0');
    await expect(session.getAccessToken()).resolves.toBe(FRESH);
    session.invalidate('access-start-MDZhYzBlMGI1YzQ0');
    await expect(session.getAccessToken()).resolves.toBe(FRESH);
    session.invalidate();
    await expect(session.getAccessToken()).resolves.toBe('access-2-NWNiOTMxOGFkOGVj');
    expect(server.count).toBe(2);

    await session.setTokens(JSON.stringify(tokensExpiringIn(clock, 3600, 'consent')));
    expect(session.tokens.accessToken).toBe('access-consent-MDZhYzBlMGI1YzQ0');
    await expect(session.getAccessToken()).resolves.toBe('access-consent-MDZhYzBlMGI1YzQ0');
  });

  test('accepts the JSON form of a TokenSet, as an object or a string', () => {
    const { client, clock } = harness();
    const json = tokensExpiringIn(clock, 3600).toJSON();

    expect(client.session(json).tokens.accessToken).toBe(json.accessToken);
    expect(client.session(JSON.stringify(json)).tokens.expiresAt?.toISOString()).toBe(json.expiresAt);
  });

  test('rejects bad input with OAuthValidationError', () => {
    const { client, clock } = harness();
    const tokens = tokensExpiringIn(clock, 3600);
    expect(() => client.session('{not json')).toThrow(OAuthValidationError);
    expect(() => client.session({} as TokenSetJSON)).toThrow(OAuthValidationError);
    for (const refreshMarginSeconds of [-1, Number.NaN, Number.POSITIVE_INFINITY, '300' as unknown as number]) {
      expect(() => client.session(tokens, { refreshMarginSeconds })).toThrow(OAuthValidationError);
    }
    expect(() => client.session(tokens, { onTokens: 'save' as unknown as () => void })).toThrow(OAuthValidationError);
    expect(() => client.session(tokens, { now: 5 as unknown as () => number })).toThrow(OAuthValidationError);
  });
});

describe('TokenManager', () => {
  test('accepts a TokenSet, its JSON object or its JSON string, and round-trips every field', async () => {
    const { client, clock } = harness();
    const manager = new TokenManager({ client });
    const tokens = new TokenSet({
      accessToken: 'access-MDZhYzBlMGI1YzQ0',
      refreshToken: 'refresh-hNTI2MTFmM2Vm',
      expiresIn: 86400,
      expiresAt: new Date(clock.now() + 86400_000),
      state: '900e06e2',
    });

    await manager.setTokens('as-set', tokens);
    await manager.setTokens('as-object', tokens.toJSON());
    await manager.setTokens('as-string', JSON.stringify(tokens));

    for (const key of ['as-set', 'as-object', 'as-string']) {
      expect((await manager.getTokens(key))?.toJSON()).toEqual(tokens.toJSON());
      await expect(manager.getAccessToken(key)).resolves.toBe('access-MDZhYzBlMGI1YzQ0');
    }
  });

  test('getTokens, getFreshTokens and delete', async () => {
    const { client, clock } = harness();
    const manager = new TokenManager({ client });
    expect(await manager.getTokens('nobody')).toBeUndefined();
    await expect(manager.getAccessToken('nobody')).rejects.toBeInstanceOf(TokenNotFoundError);

    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));
    const fresh = await manager.getFreshTokens('user-1');
    expect(fresh).toBeInstanceOf(TokenSet);
    expect(fresh.accessToken).toBe(FRESH);

    await manager.delete('user-1');
    expect(await manager.getTokens('user-1')).toBeUndefined();
    await expect(manager.getAccessToken('user-1')).rejects.toMatchObject({ code: 'OAUTH_NO_TOKENS', key: 'user-1' });
  });

  test('keys are independent: refreshing one grant leaves the others alone', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('expired', tokensExpiringIn(clock, -1, 'expired'));
    await manager.setTokens('fresh', tokensExpiringIn(clock, 3600, 'fresh'));

    await manager.getAccessToken('expired');
    await expect(manager.getAccessToken('fresh')).resolves.toBe('access-fresh-MDZhYzBlMGI1YzQ0');

    expect(server.received.map((request) => request.refreshToken)).toEqual(['refresh-expired-hNTI2MTFmM2Vm']);
  });

  test('works over a custom store with only get/set/delete, holding exactly what it was given', async () => {
    const { client, clock, server } = harness();
    const store = new PlainStore();
    const manager = new TokenManager({ client, store });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));

    const callers = Array.from({ length: 50 }, () => manager.getAccessToken('user-1'));

    expect(new Set(await Promise.all(callers))).toEqual(new Set([FRESH]));
    expect(server.count).toBe(1);
    const stored = store.entries.get('user-1');
    expect(JSON.parse(JSON.stringify(stored))).toEqual(stored && JSON.parse(JSON.stringify(TokenSet.fromJSON(stored))));
    expect(stored?.accessToken).toBe(FRESH);
  });

  test('tolerates a store that returns JSON strings and null (as Redis clients do)', async () => {
    const { client, clock, server } = harness();
    const raw = new Map<string, string>();
    const store = {
      get: async (key: string) => (raw.get(key) ?? null) as unknown as TokenSetJSON | undefined,
      set: async (key: string, tokens: TokenSetJSON) => {
        raw.set(key, JSON.stringify(tokens));
      },
      delete: async (key: string) => {
        raw.delete(key);
      },
    } satisfies TokenStore;
    const manager = new TokenManager({ client, store });
    await expect(manager.getAccessToken('user-1')).rejects.toBeInstanceOf(TokenNotFoundError);
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));

    await expect(manager.getAccessToken('user-1')).resolves.toBe(FRESH);
    expect(JSON.parse(raw.get('user-1') ?? '{}').accessToken).toBe(FRESH);
    expect(server.count).toBe(1);
  });

  test('passes the key to onTokens', async () => {
    const { client, clock } = harness();
    const onTokens = jest.fn();
    const manager = new TokenManager({ client, store: new MemoryTokenStore(), onTokens });
    await manager.setTokens('user-42', tokensExpiringIn(clock, -1));

    await manager.getAccessToken('user-42');

    expect(onTokens).toHaveBeenCalledWith(expect.any(TokenSet), 'user-42');
  });

  describe('validation', () => {
    test('a missing or wrong client', () => {
      expect(() => new TokenManager(undefined as never)).toThrow(OAuthValidationError);
      expect(() => new TokenManager({} as never)).toThrow(OAuthValidationError);
      expect(() => new TokenManager({ client: { refresh: 'no' } } as never)).toThrow(OAuthValidationError);
    });

    test('a bad margin, onTokens, clock or store', () => {
      const { client } = harness();
      for (const refreshMarginSeconds of [-1, Number.NaN, Number.POSITIVE_INFINITY, '300', null]) {
        expect(() => new TokenManager({ client, refreshMarginSeconds } as never)).toThrow(OAuthValidationError);
      }
      expect(() => new TokenManager({ client, onTokens: {} } as never)).toThrow(OAuthValidationError);
      expect(() => new TokenManager({ client, now: Date.now() } as never)).toThrow(OAuthValidationError);
      expect(() => new TokenManager({ client, store: { get: async () => undefined } } as never)).toThrow(
        OAuthValidationError,
      );
      expect(() => new TokenManager({ client, store: null } as never)).toThrow(OAuthValidationError);
      const plain = { get: async () => undefined, set: async () => {}, delete: async () => {} };
      expect(() => new TokenManager({ client, store: { ...plain, runExclusive: true } } as never)).toThrow(
        OAuthValidationError,
      );
      expect(() => new TokenManager({ client, store: { ...plain, compareAndSet: 1 } } as never)).toThrow(
        OAuthValidationError,
      );
      expect(() => new TokenManager({ client, store: plain })).not.toThrow();
    });

    test('a bad key, on every method, before touching the store', async () => {
      const { client, clock } = harness();
      const store = new PlainStore();
      const manager = new TokenManager({ client, store });
      for (const key of ['', undefined, 42, null]) {
        const bad = key as unknown as string;
        await expect(manager.getAccessToken(bad)).rejects.toThrow(OAuthValidationError);
        await expect(manager.getFreshTokens(bad)).rejects.toThrow(OAuthValidationError);
        await expect(manager.getTokens(bad)).rejects.toThrow(OAuthValidationError);
        await expect(manager.setTokens(bad, tokensExpiringIn(clock, 1))).rejects.toThrow(OAuthValidationError);
        await expect(manager.delete(bad)).rejects.toThrow(OAuthValidationError);
        expect(() => manager.invalidate(bad)).toThrow(OAuthValidationError);
      }
      expect(store.log).toEqual([]);
    });

    test('bad tokens', async () => {
      const { client } = harness();
      const manager = new TokenManager({ client });
      await expect(manager.setTokens('user-1', '{')).rejects.toThrow(OAuthValidationError);
      await expect(manager.setTokens('user-1', { tokenType: 'Bearer' } as TokenSetJSON)).rejects.toThrow(
        OAuthValidationError,
      );
      expect(await manager.getTokens('user-1')).toBeUndefined();
    });
  });
});
