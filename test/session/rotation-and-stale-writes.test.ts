import { MemoryTokenStore, TokenManager, TokenNotFoundError, type TokenStore } from '../../src/index.js';
import { harness, issueAccessToken, PlainStore, rejectionOf, settle, tokensExpiringIn } from './support.js';

/** Every rule here must hold over a store with an atomic compareAndSet and over one without. */
const STORES: [string, () => TokenStore][] = [
  ['MemoryTokenStore (compareAndSet)', () => new MemoryTokenStore()],
  ['a plain get/set/delete store', () => new PlainStore()],
];

describe.each(STORES)('rotation and stale writes over %s', (_name, makeStore) => {
  test('a new refresh_token in the response replaces the old one, and the next refresh sends it', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client, store: makeStore() });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1, 'a', 'refresh-original-hNTI2MTFm'));
    server.respond = (_request, index) => ({
      body: {
        access_token: `access-${index}-NWNiOTMx`,
        refresh_token: `refresh-rotated-${index}-hNTI2`,
        expires_in: 60,
      },
    });

    await manager.getAccessToken('user-1');
    expect((await manager.getTokens('user-1'))?.refreshToken).toBe('refresh-rotated-0-hNTI2');

    clock.advance(60_000);
    await manager.getAccessToken('user-1');
    expect(server.received.map((request) => request.refreshToken)).toEqual([
      'refresh-original-hNTI2MTFm',
      'refresh-rotated-0-hNTI2',
    ]);
    expect((await manager.getTokens('user-1'))?.refreshToken).toBe('refresh-rotated-1-hNTI2');
  });

  test('a response without a refresh_token keeps the old one', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client, store: makeStore() });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1, 'a', 'refresh-original-hNTI2MTFm'));

    await manager.getAccessToken('user-1');
    clock.advance(3_600_000);
    await manager.getAccessToken('user-1');

    const stored = await manager.getTokens('user-1');
    expect(stored?.accessToken).toBe('access-2-NWNiOTMxOGFkOGVj');
    expect(stored?.refreshToken).toBe('refresh-original-hNTI2MTFm');
    expect(server.received.map((request) => request.refreshToken)).toEqual([
      'refresh-original-hNTI2MTFm',
      'refresh-original-hNTI2MTFm',
    ]);
  });

  test('setTokens during an in-flight refresh wins: the refresh does not overwrite it and waiters get the new tokens', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client, store: makeStore() });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1, 'old'));
    const release = server.hold();

    const waiters = Array.from({ length: 10 }, () => manager.getAccessToken('user-1'));
    await settle();
    expect(server.count).toBe(1);
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600, 'consent'));
    release();

    expect(new Set(await Promise.all(waiters))).toEqual(new Set(['access-consent-MDZhYzBlMGI1YzQ0']));
    expect((await manager.getTokens('user-1'))?.accessToken).toBe('access-consent-MDZhYzBlMGI1YzQ0');
    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-consent-MDZhYzBlMGI1YzQ0');
    expect(server.count).toBe(1);
  });

  test('delete during an in-flight refresh is not undone: waiters get TokenNotFoundError and nothing is stored', async () => {
    const { client, clock, server } = harness();
    const store = makeStore();
    const manager = new TokenManager({ client, store });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1, 'old'));
    const release = server.hold();

    const waiters = Array.from({ length: 5 }, () => rejectionOf(manager.getAccessToken('user-1')));
    await settle();
    await manager.delete('user-1');
    release();

    for (const error of await Promise.all(waiters)) expect(error).toBeInstanceOf(TokenNotFoundError);
    expect(await store.get('user-1')).toBeUndefined();
    expect(await manager.getTokens('user-1')).toBeUndefined();
    await expect(manager.getAccessToken('user-1')).rejects.toBeInstanceOf(TokenNotFoundError);
    expect(server.count).toBe(1);
  });

  test('a newer write by someone else (another process) wins over this refresh', async () => {
    const { client, clock, server } = harness();
    const store = makeStore();
    const manager = new TokenManager({ client, store });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1, 'old'));
    server.onRequest = () => store.set('user-1', tokensExpiringIn(clock, 3600, 'other-process').toJSON());

    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-other-process-MDZhYzBlMGI1YzQ0');
    expect((await store.get('user-1'))?.accessToken).toBe('access-other-process-MDZhYzBlMGI1YzQ0');
  });
});

describe('a store without compareAndSet', () => {
  test('setTokens arriving between the refresh check-read and its write is not overwritten', async () => {
    const { client, clock, server } = harness();
    const store = new PlainStore();
    const manager = new TokenManager({ client, store });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1, 'old'));
    let answered = false;
    server.respond = (request, index) => {
      answered = true;
      return issueAccessToken(request, index);
    };
    // The first read after the response is the persist step's check; a new consent lands right then.
    const read = store.get.bind(store);
    let consent: Promise<void> | undefined;
    store.get = async (key) => {
      const value = await read(key);
      if (answered && !consent) consent = manager.setTokens('user-1', tokensExpiringIn(clock, 3600, 'consent'));
      return value;
    };

    const token = await manager.getAccessToken('user-1');
    await consent;

    expect(consent).toBeDefined();
    expect(token).toBe('access-1-NWNiOTMxOGFkOGVj');
    expect(store.log).toEqual([
      'set access-old-MDZhYzBlMGI1YzQ0',
      'set access-1-NWNiOTMxOGFkOGVj',
      'set access-consent-MDZhYzBlMGI1YzQ0',
    ]);
    expect((await manager.getTokens('user-1'))?.accessToken).toBe('access-consent-MDZhYzBlMGI1YzQ0');
  });
});
