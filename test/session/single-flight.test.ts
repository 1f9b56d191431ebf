import { OAuthApiError, TokenManager } from '../../src/index.js';
import { harness, rejectionOf, settle, tokensExpiringIn } from './support.js';

describe('single flight', () => {
  test('1,000 concurrent callers on one expired grant cause exactly one refresh and all get its token', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -10));
    const release = server.hold();

    const calls = Array.from({ length: 1000 }, () => manager.getAccessToken('user-1'));
    await settle();
    release();
    const tokens = await Promise.all(calls);

    expect(server.count).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(['access-1-NWNiOTMxOGFkOGVj']));
    expect((await manager.getTokens('user-1'))?.accessToken).toBe('access-1-NWNiOTMxOGFkOGVj');
  });

  test('callers arriving while the refresh is already on the wire join it', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 0));
    const release = server.hold();

    const first = manager.getAccessToken('user-1');
    await settle();
    expect(server.count).toBe(1);
    const late = Array.from({ length: 50 }, () => manager.getAccessToken('user-1'));
    await settle();
    release();

    expect(new Set(await Promise.all([first, ...late])).size).toBe(1);
    expect(server.count).toBe(1);
  });

  test('2,000 grants × 5 concurrent callers cause exactly 2,000 refreshes, one per grant', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    const keys = Array.from({ length: 2000 }, (_, i) => `grant-${i}`);
    await Promise.all(keys.map((key) => manager.setTokens(key, tokensExpiringIn(clock, -1, key))));
    const release = server.hold();

    const calls = keys.flatMap((key) => Array.from({ length: 5 }, () => manager.getAccessToken(key)));
    await settle();
    release();
    const tokens = await Promise.all(calls);

    expect(server.count).toBe(2000);
    expect(new Set(server.received.map((request) => request.refreshToken)).size).toBe(2000);
    for (let grant = 0; grant < keys.length; grant++) {
      const mine = tokens.slice(grant * 5, grant * 5 + 5);
      expect(new Set(mine).size).toBe(1);
    }
    expect(new Set(tokens).size).toBe(2000);
  });

  test('every waiter gets the same error when the refresh fails, and the next call tries again', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -10));
    server.respond = () => ({ status: 500, body: { error: { error_name: 'server_error', error_msg: 'Try later.' } } });
    const release = server.hold();

    const calls = Array.from({ length: 100 }, () => rejectionOf(manager.getAccessToken('user-1')));
    await settle();
    release();
    const errors = await Promise.all(calls);

    expect(server.count).toBe(1);
    expect(errors[0]).toBeInstanceOf(OAuthApiError);
    expect((errors[0] as OAuthApiError).status).toBe(500);
    for (const error of errors) expect(error).toBe(errors[0]);

    server.respond = (_request, index) => ({
      body: { access_token: `recovered-${index}-NWNiOTMxOGFk`, expires_in: 3600 },
    });
    await expect(manager.getAccessToken('user-1')).resolves.toBe('recovered-1-NWNiOTMxOGFk');
    expect(server.count).toBe(2);
  });

  test('a settled refresh leaves nothing behind: fresh tokens are served without a request, expiry triggers a new one', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -10));

    await manager.getAccessToken('user-1');
    await Promise.all(Array.from({ length: 10 }, () => manager.getAccessToken('user-1')));
    expect(server.count).toBe(1);

    clock.advance(3_600_000);
    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-2-NWNiOTMxOGFkOGVj');
    expect(server.count).toBe(2);
  });

  test('a grant that does not need a refresh makes no request', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600));

    await Promise.all(Array.from({ length: 100 }, () => manager.getAccessToken('user-1')));

    expect(server.count).toBe(0);
  });
});
