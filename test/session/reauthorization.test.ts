import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BadRequestError, MemoryTokenStore, OAuthError, TokenManager } from '../../src/index.js';
import { deferred, harness, invalidGrant, rejectionOf, settle, tokensExpiringIn } from './support.js';

/** A full garbage collection, without starting node with --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** What a user sees of a rejection: a later call's error says the same as the first. */
function sameRejectionAs(error: BadRequestError) {
  return {
    constructor: error.constructor,
    message: error.message,
    code: error.code,
    status: error.status,
    description: error.description,
    requiresReauthorization: true,
  };
}

describe('a grant that needs reauthorization', () => {
  test('400 invalid_grant reaches every waiter, marks the grant, and later calls fail fast with that error and no request', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));
    server.respond = invalidGrant;
    const release = server.hold();

    const waiters = Array.from({ length: 20 }, () => rejectionOf(manager.getAccessToken('user-1')));
    await settle();
    release();
    const errors = await Promise.all(waiters);

    const error = errors[0] as BadRequestError;
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.code).toBe('invalid_grant');
    expect(error.requiresReauthorization).toBe(true);
    for (const other of errors) expect(other).toBe(error);

    // Later calls get an equal error (not the first one's response headers, which need not be kept).
    for (let i = 0; i < 5; i++) {
      await expect(manager.getAccessToken('user-1')).rejects.toMatchObject(sameRejectionAs(error));
    }
    expect(server.count).toBe(1);
  });

  test('a dead grant keeps neither the error nor the response it came in: memory stays small per dead grant', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));
    server.respond = invalidGrant;
    let error: BadRequestError | undefined = (await rejectionOf(manager.getAccessToken('user-1'))) as BadRequestError;
    const expected = sameRejectionAs(error);
    const firstError = new WeakRef(error);
    error = undefined;
    await settle();

    collectGarbage();

    expect(firstError.deref()).toBeUndefined();
    await expect(manager.getAccessToken('user-1')).rejects.toMatchObject(expected);
    expect(server.count).toBe(1);
  });

  test('setTokens revives the grant', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));
    server.respond = invalidGrant;
    await expect(manager.getAccessToken('user-1')).rejects.toBeInstanceOf(BadRequestError);

    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600, 'consent'));
    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-consent-MDZhYzBlMGI1YzQ0');

    await manager.setTokens('user-1', tokensExpiringIn(clock, -1, 'consent-expired'));
    server.respond = (_request, index) => ({
      body: { access_token: `after-revival-${index}-NWNiOTMx`, expires_in: 60 },
    });
    await expect(manager.getAccessToken('user-1')).resolves.toBe('after-revival-1-NWNiOTMx');
    expect(server.count).toBe(2);
  });

  test('new tokens written to the store by someone else (another process) revive the grant too', async () => {
    const { client, clock, server } = harness();
    const store = new MemoryTokenStore();
    const manager = new TokenManager({ client, store });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));
    server.respond = invalidGrant;
    await expect(manager.getAccessToken('user-1')).rejects.toBeInstanceOf(BadRequestError);

    await store.set('user-1', tokensExpiringIn(clock, 3600, 'elsewhere').toJSON());

    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-elsewhere-MDZhYzBlMGI1YzQ0');
    expect(server.count).toBe(1);
  });

  test('a caller that read the store before the grant died does not send a second request', async () => {
    const { client, clock, server } = harness();
    const store = new MemoryTokenStore();
    const manager = new TokenManager({ client, store });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));
    server.respond = invalidGrant;
    // Two callers read the store at once; the second read returns only after the refresh failed.
    const read = store.get.bind(store);
    const heldRead = deferred();
    let reads = 0;
    store.get = async (key) => {
      reads += 1;
      const ordinal = reads;
      const value = await read(key);
      if (ordinal === 2) await heldRead.promise;
      return value;
    };
    const releaseRefresh = server.hold();

    const first = rejectionOf(manager.getAccessToken('user-1'));
    const late = rejectionOf(manager.getAccessToken('user-1'));
    await settle();
    expect(server.count).toBe(1);
    releaseRefresh();
    const firstError = await first;
    heldRead.resolve();

    expect(await late).toMatchObject(sameRejectionAs(firstError as BadRequestError));
    expect(server.count).toBe(1);
  });

  test('a transient failure does not mark the grant', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1));
    server.respond = () => ({ status: 429, body: { error: { error_name: 'exceeded_rate', error_msg: 'Too many.' } } });
    await expect(manager.getAccessToken('user-1')).rejects.toMatchObject({ status: 429 });

    server.respond = () => ({ body: { access_token: 'later-NWNiOTMxOGFk', expires_in: 3600 } });
    await expect(manager.getAccessToken('user-1')).resolves.toBe('later-NWNiOTMxOGFk');
    expect(server.count).toBe(2);
  });

  test('an expired grant without a refresh token fails with OAUTH_NO_REFRESH_TOKEN and no request', async () => {
    const { client, clock, server } = harness();
    const manager = new TokenManager({ client });
    await manager.setTokens('user-1', {
      accessToken: 'access-only-MDZhYzBlMGI1',
      tokenType: 'Bearer',
      expiresAt: new Date(clock.now()).toISOString(),
    });

    const error = await rejectionOf(manager.getAccessToken('user-1'));

    expect(error).toBeInstanceOf(OAuthError);
    expect((error as OAuthError).code).toBe('OAUTH_NO_REFRESH_TOKEN');
    expect(server.count).toBe(0);
  });
});
