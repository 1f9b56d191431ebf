import { MemoryTokenStore, OAuthValidationError, TokenManager, type TokenSetJSON } from '../../src/index.js';
import { deferred, harness, settle, tokensExpiringIn } from './support.js';

/** A store whose next `get` reads the value at once but answers only on `release()`: a slow replica. */
class SlowReadStore extends MemoryTokenStore {
  #held: Promise<void> | undefined;

  holdNextRead(): () => void {
    const gate = deferred();
    this.#held = gate.promise;
    return () => gate.resolve();
  }

  override async get(key: string): Promise<TokenSetJSON | undefined> {
    const value = await super.get(key);
    const held = this.#held;
    this.#held = undefined;
    if (held) await held;
    return value;
  }
}

const START = 'access-start-MDZhYzBlMGI1YzQ0';

describe('invalidate after a 401', () => {
  test('invalidate(key) forces the next getAccessToken to refresh a token that is not expired', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600));
    await expect(manager.getAccessToken('user-1')).resolves.toBe(START);

    manager.invalidate('user-1');

    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-1-NWNiOTMxOGFkOGVj');
    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-1-NWNiOTMxOGFkOGVj');
    expect(server.count).toBe(1);
  });

  test('invalidate(key, rejectedToken) for a token a refresh already replaced does nothing', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600));
    manager.invalidate('user-1', START);
    const fresh = await manager.getAccessToken('user-1');
    expect(server.count).toBe(1);

    // A burst of 401s for the old token, arriving after the refresh.
    for (let i = 0; i < 10; i++) manager.invalidate('user-1', START);

    await expect(manager.getAccessToken('user-1')).resolves.toBe(fresh);
    expect(server.count).toBe(1);
  });

  test('a late report of an already replaced token does not cancel a report of the current one', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600));
    manager.invalidate('user-1', START);
    const fresh = await manager.getAccessToken('user-1');
    expect(server.count).toBe(1);

    // The API rejects the fresh token; right after, a slow response reports the old one.
    manager.invalidate('user-1', fresh);
    manager.invalidate('user-1', START);
    const next = await manager.getAccessToken('user-1');
    expect(next).not.toBe(fresh);
    expect(server.count).toBe(2);

    // The same after a report without a token ("whatever is current").
    manager.invalidate('user-1');
    manager.invalidate('user-1', fresh);
    await expect(manager.getAccessToken('user-1')).resolves.not.toBe(next);
    expect(server.count).toBe(3);
  });

  test('invalidate(key, currentToken) refreshes', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600));

    manager.invalidate('user-1', START);

    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-1-NWNiOTMxOGFkOGVj');
    expect(server.count).toBe(1);
  });

  test('single flight holds under invalidation: 500 callers after a 401 cause one refresh', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600));
    const release = server.hold();

    const callers = Array.from({ length: 500 }, (_, i) => {
      manager.invalidate('user-1', i % 2 ? START : undefined);
      return manager.getAccessToken('user-1');
    });
    await settle();
    release();

    expect(new Set(await Promise.all(callers))).toEqual(new Set(['access-1-NWNiOTMxOGFkOGVj']));
    expect(server.count).toBe(1);
    await manager.getAccessToken('user-1');
    expect(server.count).toBe(1);
  });

  test('a 401 reported while the refresh is in flight does not cause a second refresh', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));
    const release = server.hold();

    const first = manager.getAccessToken('user-1');
    await settle();
    manager.invalidate('user-1');
    release();
    await first;

    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-1-NWNiOTMxOGFkOGVj');
    expect(server.count).toBe(1);
  });

  test('an invalidation survives a failed refresh, so the next call tries again', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600));
    server.respond = () => ({ status: 503, body: 'unavailable' });
    manager.invalidate('user-1');
    await expect(manager.getAccessToken('user-1')).rejects.toMatchObject({ status: 503 });

    server.respond = () => ({ body: { access_token: 'access-retry-NWNiOTMx', expires_in: 3600 } });
    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-retry-NWNiOTMx');
    expect(server.count).toBe(2);
  });

  test('setTokens clears an invalidation', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600));
    manager.invalidate('user-1');

    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600, 'consent'));

    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-consent-MDZhYzBlMGI1YzQ0');
    expect(server.count).toBe(0);
  });

  test('a read begun before the 401 and answered after it does not erase the invalidation (slow store)', async () => {
    const { client, clock, server } = harness();
    const store = new SlowReadStore();
    const manager = new TokenManager({ client, store });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));
    // A caller's read finds the expired start tokens, then stays in flight.
    const releaseRead = store.holdNextRead();
    const slowCaller = manager.getAccessToken('user-1');
    await settle();
    // Meanwhile another caller refreshes, uses the new token, and the API rejects it.
    const rejected = await manager.getAccessToken('user-1');
    expect(rejected).toBe('access-1-NWNiOTMxOGFkOGVj');
    manager.invalidate('user-1', rejected);

    releaseRead();

    await expect(slowCaller).resolves.toBe('access-2-NWNiOTMxOGFkOGVj');
    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-2-NWNiOTMxOGFkOGVj');
    expect(server.count).toBe(2);
  });

  test('rejects a bad key or a non-string token', () => {
    const { client } = harness();
    const manager = new TokenManager({ client });
    expect(() => manager.invalidate('')).toThrow(OAuthValidationError);
    expect(() => manager.invalidate('user-1', 42 as unknown as string)).toThrow(OAuthValidationError);
  });
});
