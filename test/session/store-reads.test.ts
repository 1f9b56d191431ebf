import { MemoryTokenStore, TokenManager, type TokenSetJSON, type TokenStore } from '../../src/index.js';
import { harness, tokensExpiringIn } from './support.js';

/**
 * A store that hands back the SAME object on every read and changes it in place on writes, as a
 * cache in front of a database might. `getAccessToken` reuses what it parsed from an object it has
 * seen before; these tests pin that an in-place change is always seen.
 */
function inPlaceStore(): TokenStore & { value: Record<string, unknown> } {
  const value: Record<string, unknown> = {};
  return {
    value,
    async get() {
      return Object.keys(value).length === 0 ? undefined : (value as unknown as TokenSetJSON);
    },
    async set(_key, tokens) {
      for (const name of Object.keys(value)) delete value[name];
      Object.assign(value, tokens);
    },
    async delete() {
      for (const name of Object.keys(value)) delete value[name];
    },
  };
}

describe('reading the store', () => {
  test('a stored object changed in place is read again: the new access token, never the old one', async () => {
    const { client, clock, server } = harness();
    const store = inPlaceStore();
    const manager = new TokenManager({ client, store });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600, 'first'));
    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-first-MDZhYzBlMGI1YzQ0');

    store.value.accessToken = 'access-second-in-place';
    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-second-in-place');
    expect(server.count).toBe(0);
  });

  test('an expiry changed in place is read again: the token is refreshed, not served', async () => {
    const { client, clock, server } = harness();
    const store = inPlaceStore();
    const manager = new TokenManager({ client, store });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600));
    await manager.getAccessToken('user-1');

    store.value.expiresAt = new Date(clock.now() + 10_000).toISOString();
    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-1-NWNiOTMxOGFkOGVj');
    expect(server.count).toBe(1);
  });

  test('a field changed in place to an invalid value fails as the stored JSON always did', async () => {
    const { client, clock } = harness();
    const store = inPlaceStore();
    const manager = new TokenManager({ client, store });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600));
    await manager.getAccessToken('user-1');

    store.value.expiresAt = 'not a date';
    await expect(manager.getAccessToken('user-1')).rejects.toThrow('"expiresAt" must be an ISO 8601 date');
  });

  test('a MemoryTokenStore’s object changed in place is read again too', async () => {
    const { client, clock, server } = harness();
    const store = new MemoryTokenStore();
    const manager = new TokenManager({ client, store });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600, 'first'));
    await manager.getAccessToken('user-1');

    const value = (await store.get('user-1')) as TokenSetJSON;
    value.accessToken = 'access-second-in-place';
    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-second-in-place');
    value.expiresAt = new Date(clock.now() + 10_000).toISOString();
    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-1-NWNiOTMxOGFkOGVj');
    expect(server.count).toBe(1);
  });

  test('a MemoryTokenStore whose get was replaced is read through that get', async () => {
    const { client, clock, server } = harness();
    const store = new MemoryTokenStore();
    const manager = new TokenManager({ client, store });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600, 'first'));
    const other = tokensExpiringIn(clock, 3600, 'from-get').toJSON();
    const get = jest.spyOn(store, 'get').mockResolvedValue(other);

    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-from-get-MDZhYzBlMGI1YzQ0');
    expect(get).toHaveBeenCalledWith('user-1');
    expect(server.count).toBe(0);
  });

  test('the TokenSet a caller gets is their own: pushing its expiresAt out does not keep an expiring token served', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 310));
    await manager.getAccessToken('user-1');

    const later = clock.now() + 86_400_000;
    (await manager.getFreshTokens('user-1')).expiresAt?.setTime(later);
    (await manager.getTokens('user-1'))?.expiresAt?.setTime(later);
    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-start-MDZhYzBlMGI1YzQ0');

    // Within the 300 s margin now: refreshed, whatever the caller did to their copies.
    clock.advance(20_000);
    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-1-NWNiOTMxOGFkOGVj');
    expect(server.count).toBe(1);
  });
});
