import { inspect } from 'node:util';
import { MemoryTokenStore, OAuthError, TokenManager, TokenPersistError, type TokenSet } from '../../src/index.js';
import { deferred, harness, PlainStore, rejectionOf, SECRET, settle, tokensExpiringIn } from './support.js';

const FRESH = 'access-1-NWNiOTMxOGFkOGVj';

describe('persist before use', () => {
  test('store.set and onTokens complete before any caller gets the new access token', async () => {
    const { client, clock } = harness();
    const events: string[] = [];
    const storeWrite = deferred();
    const callback = deferred();
    const store = new PlainStore();
    const set = store.set.bind(store);
    store.set = async (key, tokens) => {
      if (tokens.accessToken === FRESH) {
        events.push('store.set started');
        await storeWrite.promise;
        events.push('store.set done');
      }
      return set(key, tokens);
    };
    const manager = new TokenManager({
      client,
      store,
      onTokens: async (tokens, key) => {
        events.push(`onTokens started ${key} ${tokens.accessToken}`);
        await callback.promise;
        events.push('onTokens done');
      },
    });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));

    const callers = Array.from({ length: 3 }, (_, i) =>
      manager.getAccessToken('user-1').then((token) => events.push(`caller ${i} got ${token}`)),
    );
    await settle();
    expect(events).toEqual(['store.set started']);
    storeWrite.resolve();
    await settle();
    expect(events).toEqual(['store.set started', 'store.set done', `onTokens started user-1 ${FRESH}`]);
    callback.resolve();
    await Promise.all(callers);

    expect(events.slice(3, 4)).toEqual(['onTokens done']);
    expect(events.slice(4).sort()).toEqual([`caller 0 got ${FRESH}`, `caller 1 got ${FRESH}`, `caller 2 got ${FRESH}`]);
  });

  test('a failing store write gives every caller TokenPersistError; the tokens stay in memory and the next call persists them without a refresh', async () => {
    const { client, clock, server } = harness();
    const store = new PlainStore();
    const set = store.set.bind(store);
    let failWrites = true;
    store.set = async (key, tokens) => {
      if (failWrites && tokens.accessToken === FRESH) {
        throw new Error(`connection lost while writing ${tokens.accessToken} / ${tokens.refreshToken}`);
      }
      return set(key, tokens);
    };
    const manager = new TokenManager({ client, store });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));

    const errors = await Promise.all(Array.from({ length: 5 }, () => rejectionOf(manager.getAccessToken('user-1'))));

    expect(errors[0]).toBeInstanceOf(TokenPersistError);
    expect((errors[0] as TokenPersistError).code).toBe('OAUTH_PERSIST_FAILED');
    for (const error of errors) expect(error).toBe(errors[0]);
    expect((await manager.getTokens('user-1'))?.accessToken).toBe(FRESH);
    expect((await store.get('user-1'))?.accessToken).toBe('access-start-MDZhYzBlMGI1YzQ0');

    failWrites = false;
    await expect(manager.getAccessToken('user-1')).resolves.toBe(FRESH);
    expect((await store.get('user-1'))?.accessToken).toBe(FRESH);
    expect(server.count).toBe(1);
  });

  test('a TokenPersistError carries neither the new nor the old tokens in any rendering', async () => {
    const { client, clock } = harness();
    const old = tokensExpiringIn(clock, -1, 'start', 'refresh-start-hNTI2MTFmM2Vm');
    const store = new PlainStore();
    store.entries.set('user-1', old.toJSON());
    // A store that echoes the values it was handed, as some database errors do.
    store.set = async (_key, tokens) => {
      throw new Error(`write failed: ${tokens.accessToken} ${tokens.refreshToken} replacing ${old.accessToken}`);
    };
    const manager = new TokenManager({ client, store });

    const error = await rejectionOf(manager.getAccessToken('user-1'));

    expect(error).toBeInstanceOf(TokenPersistError);
    const cause = (error as Error).cause as Error;
    expect(cause.message).toContain('write failed');
    const renderings = [
      inspect(error, { depth: 5 }),
      String((error as Error).stack),
      cause.message,
      String(cause.stack),
    ];
    for (const text of renderings) {
      for (const secret of [FRESH, old.accessToken, 'refresh-start-hNTI2MTFmM2Vm', SECRET]) {
        expect(text).not.toContain(secret);
      }
    }
  });

  test('a failing onTokens gives callers TokenPersistError; the next call calls it again without refreshing', async () => {
    const { client, clock, server } = harness();
    const seen: string[] = [];
    let fail = true;
    const manager = new TokenManager({
      client,
      onTokens: (tokens: TokenSet) => {
        seen.push(tokens.accessToken);
        if (fail) throw new Error('database unavailable');
      },
    });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));

    await expect(manager.getAccessToken('user-1')).rejects.toBeInstanceOf(TokenPersistError);
    expect((await manager.getTokens('user-1'))?.accessToken).toBe(FRESH);

    fail = false;
    await expect(manager.getAccessToken('user-1')).resolves.toBe(FRESH);
    expect(seen).toEqual([FRESH, FRESH]);
    expect(server.count).toBe(1);
    await expect(manager.getAccessToken('user-1')).resolves.toBe(FRESH);
    expect(seen).toHaveLength(2);
  });

  test('an OAuthError thrown by onTokens also becomes TokenPersistError, with it as the cause', async () => {
    const { client, clock } = harness();
    const manager = new TokenManager({
      client,
      onTokens: () => {
        throw new OAuthError('Another API said no.', 'SOMETHING_ELSE');
      },
    });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));

    const error = await rejectionOf(manager.getAccessToken('user-1'));

    expect(error).toBeInstanceOf(TokenPersistError);
    expect(((error as Error).cause as Error).message).toBe('Another API said no.');
  });

  test('a write that landed but reported failure is recognised on retry, not mistaken for a newer write', async () => {
    const { client, clock, server } = harness();
    const store = new MemoryTokenStore();
    const compareAndSet = store.compareAndSet.bind(store);
    let calls = 0;
    store.compareAndSet = async (key, expected, next) => {
      calls += 1;
      const wrote = await compareAndSet(key, expected, next);
      if (calls === 1) throw new Error('timeout after write');
      return wrote;
    };
    const onTokens = jest.fn();
    const manager = new TokenManager({ client, store, onTokens });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));

    await expect(manager.getAccessToken('user-1')).rejects.toBeInstanceOf(TokenPersistError);
    await expect(manager.getAccessToken('user-1')).resolves.toBe(FRESH);

    expect(onTokens).toHaveBeenCalledTimes(1);
    expect(server.count).toBe(1);
  });
});
