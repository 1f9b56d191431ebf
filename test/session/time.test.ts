import { TokenManager, TokenSet } from '../../src/index.js';
import { harness, tokensExpiringIn } from './support.js';

describe('time', () => {
  test('the default margin is 300 s: a token with 301 s left is served, one with 300 s left is refreshed', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 301));

    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-start-MDZhYzBlMGI1YzQ0');
    expect(server.count).toBe(0);

    clock.advance(1_000);
    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-1-NWNiOTMxOGFkOGVj');
    expect(server.count).toBe(1);
  });

  test('a custom margin moves the refresh point', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client, refreshMarginSeconds: 30 });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 60));

    await manager.getAccessToken('user-1');
    clock.advance(29_000);
    await manager.getAccessToken('user-1');
    expect(server.count).toBe(0);

    clock.advance(1_000);
    await manager.getAccessToken('user-1');
    expect(server.count).toBe(1);
  });

  test('a margin of 0 refreshes only once the token has expired', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client, refreshMarginSeconds: 0 });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 1));
    await manager.getAccessToken('user-1');
    expect(server.count).toBe(0);

    clock.advance(1_000);
    await manager.getAccessToken('user-1');
    expect(server.count).toBe(1);
  });

  test('expiresAt counts from when the request was sent, not from when the answer arrived', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));
    const sentAt = clock.now();
    // The answer takes 20 s to arrive.
    server.onRequest = () => clock.advance(20_000);

    await manager.getAccessToken('user-1');

    const tokens = await manager.getTokens('user-1');
    expect(tokens?.expiresIn).toBe(3600);
    expect(tokens?.expiresAt?.getTime()).toBe(sentAt + 3600 * 1000);
  });

  test('the manager clock can be injected separately from the client clock', async () => {
    const { client, clock, server } = harness();
    let managerNow = clock.now();
    const manager = new TokenManager({ client, now: () => managerNow });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600));

    clock.advance(7_200_000);
    await manager.getAccessToken('user-1');
    expect(server.count).toBe(0);

    managerNow += 3600 * 1000;
    await manager.getAccessToken('user-1');
    expect(server.count).toBe(1);
  });

  describe('a token without expires_in', () => {
    test('is never refreshed by the clock, however much time passes', async () => {
      const { client, clock, server } = harness();
      const manager = new TokenManager({ client });
      await manager.setTokens(
        'user-1',
        new TokenSet({ accessToken: 'no-expiry-MDZhYzBl', refreshToken: 'refresh-hNTI2MTFm' }),
      );

      clock.advance(365 * 24 * 3_600_000);
      await expect(manager.getAccessToken('user-1')).resolves.toBe('no-expiry-MDZhYzBl');
      expect(server.count).toBe(0);
    });

    test('is refreshed after invalidate (the API answered 401)', async () => {
      const { client, server } = harness();
      const manager = new TokenManager({ client });
      await manager.setTokens(
        'user-1',
        new TokenSet({ accessToken: 'no-expiry-MDZhYzBl', refreshToken: 'refresh-hNTI2MTFm' }),
      );

      manager.invalidate('user-1', 'no-expiry-MDZhYzBl');

      await expect(manager.getAccessToken('user-1')).resolves.toBe('access-1-NWNiOTMxOGFkOGVj');
      expect(server.count).toBe(1);
    });

    test('a refresh response without expires_in yields tokens without expiry, kept until a 401', async () => {
      const { client, clock, server } = harness();
      const manager = new TokenManager({ client });
      await manager.setTokens('user-1', tokensExpiringIn(clock, -1));
      server.respond = () => ({ body: { access_token: 'open-ended-NWNiOTMx', token_type: 'Bearer' } });

      await manager.getAccessToken('user-1');
      clock.advance(30 * 24 * 3_600_000);
      await expect(manager.getAccessToken('user-1')).resolves.toBe('open-ended-NWNiOTMx');

      const tokens = await manager.getTokens('user-1');
      expect(tokens?.expiresAt).toBeUndefined();
      expect(tokens?.refreshToken).toBe('refresh-start-hNTI2MTFmM2Vm');
      expect(server.count).toBe(1);
    });
  });
});
