/** @requires redis-server */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import { createClient } from 'redis';
import { OAuthClient, OAuthError, TokenManager } from '../../src/index.js';
import { RedisStoreError, RedisTokenStore } from '../../src/redis/index.js';
import { freePort, waitUntil } from '../support.js';
import { startRedis, type TestRedis } from './support.js';

/**
 * Redis unreachable, frozen or gone: every call must end promptly in a RedisStoreError. Timeouts
 * here are set far above the test's own, so a pass means the store failed fast, not late.
 */
const PATIENT = { connectTimeoutMs: 60_000, commandTimeoutMs: 60_000 };
const TEST_TIMEOUT_MS = 10_000;

const stores: RedisTokenStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

function track(store: RedisTokenStore): RedisTokenStore {
  stores.push(store);
  return store;
}

const grant = {
  accessToken: 'access-token-1',
  refreshToken: 'refresh-token-1',
  tokenType: 'Bearer',
  expiresAt: '2000-01-01T00:00:00.000Z',
};

describe('RedisTokenStore when Redis is not there', () => {
  test(
    'nothing listening: a RedisStoreError (OAUTH_REDIS_UNAVAILABLE) at once, without the password',
    async () => {
      const url = `redis://:a-secret-password@127.0.0.1:${await freePort()}`;
      const store = track(new RedisTokenStore({ url, ...PATIENT }));
      for (const call of [
        () => store.get('k'),
        () => store.set('k', grant),
        () => store.runExclusive('k', async () => 1),
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RedisStoreError);
        expect(error).toBeInstanceOf(OAuthError);
        expect((error as RedisStoreError).code).toBe('OAUTH_REDIS_UNAVAILABLE');
        expect((error as Error).message).toMatch(/ECONNREFUSED/);
        expect(inspect(error, { depth: 5 })).not.toContain('a-secret-password');
      }
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'a TokenManager over it fails getAccessToken with that error, sending no refresh',
    async () => {
      const store = track(new RedisTokenStore({ url: `redis://127.0.0.1:${await freePort()}`, ...PATIENT }));
      let requests = 0;
      const client = new OAuthClient({
        clientId: 'client-id',
        clientSecret: 'client-secret',
        fetch: async () => {
          requests++;
          throw new Error('no request expected');
        },
      });
      const manager = new TokenManager({ client, store });
      await expect(manager.getAccessToken('user-1')).rejects.toBeInstanceOf(RedisStoreError);
      expect(requests).toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  test('many calls waiting for a reconnecting client share one wait (no listener per caller)', async () => {
    // A client that is open but not ready, as node-redis is while it reconnects. A listener pair per
    // waiting caller would trip Node's MaxListenersExceededWarning at the eleventh request.
    const client = Object.assign(new EventEmitter(), {
      isOpen: true,
      isReady: false,
      sendCommand: async () => null,
    });
    const store = track(new RedisTokenStore({ client }));
    const calls = Array.from({ length: 50 }, (_, i) => store.get(`k${i}`));
    await new Promise((resolve) => setImmediate(resolve));
    expect([client.listenerCount('ready'), client.listenerCount('error')]).toEqual([1, 1]);
    client.isReady = true;
    client.emit('ready');
    expect(await Promise.all(calls)).toEqual(Array(50).fill(undefined));
    expect([client.listenerCount('ready'), client.listenerCount('error')]).toEqual([0, 0]);
  });

  test('a connection that cannot be made within connectTimeoutMs fails with that timeout', async () => {
    // A listener that never answers the handshake: Redis accepts but never says ready.
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const store = track(
      new RedisTokenStore({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 200, commandTimeoutMs: 60_000 }),
    );
    try {
      const error = await store.get('k').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisStoreError);
      expect((error as RedisStoreError).code).toBe('OAUTH_REDIS_UNAVAILABLE');
    } finally {
      await store.close();
      silent.close();
    }
  });
});

describe('RedisTokenStore when Redis fails later', () => {
  let redis: TestRedis;
  beforeEach(async () => {
    redis = await startRedis({ ownServer: true });
  });
  afterEach(async () => {
    await redis.stop();
  });

  test(
    'Redis crashes: calls fail promptly; once it is back the same store works again',
    async () => {
      // Default timeouts, not PATIENT: a command written in the instant between the kill and the
      // client seeing the socket close waits for commandTimeoutMs (2 s) before it fails.
      const store = track(new RedisTokenStore({ url: redis.url }));
      await store.set('k', grant);
      await redis.stop();
      await expect(store.get('k')).rejects.toBeInstanceOf(RedisStoreError);
      await expect(store.runExclusive('k', async () => 1)).rejects.toBeInstanceOf(RedisStoreError);
      await redis.restart();
      // The restarted server is empty (no persistence), and the store reconnects by itself, well
      // within the deadline (reconnect attempts back off to half a second).
      let value: unknown = 'not yet';
      await waitUntil(
        async () => {
          try {
            value = await store.get('k');
            return true;
          } catch (error) {
            if (!(error instanceof RedisStoreError)) throw error;
            return false;
          }
        },
        TEST_TIMEOUT_MS,
        'the store to work again',
      );
      expect(value).toBeUndefined();
      await store.set('k', grant);
      expect(await store.get('k')).toEqual(grant);
    },
    2 * TEST_TIMEOUT_MS,
  );

  test('Redis frozen: a call fails after commandTimeoutMs instead of hanging', async () => {
    const store = track(new RedisTokenStore({ url: redis.url, connectTimeoutMs: 60_000, commandTimeoutMs: 300 }));
    await store.set('k', grant);
    process.kill(redis.pid as number, 'SIGSTOP');
    const error = await store.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisStoreError);
    expect((error as RedisStoreError).message).toMatch(/did not answer within 300 ms/);
    process.kill(redis.pid as number, 'SIGCONT');
    // close() still completes: it waits for the late reply or gives up after commandTimeoutMs.
    await store.close();
  });
});

describe('RedisTokenStore.close', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  test('closes the connection it created; later calls fail with OAUTH_REDIS_CLOSED; closing twice is fine', async () => {
    const store = new RedisTokenStore({ url: redis.url, keyPrefix: `test-${randomUUID()}:` });
    await store.set('k', grant);
    await store.close();
    await store.close();
    const error = await store.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisStoreError);
    expect((error as RedisStoreError).code).toBe('OAUTH_REDIS_CLOSED');
  });

  test('uses a client passed in and leaves it open', async () => {
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const store = new RedisTokenStore({ client, keyPrefix: `test-${randomUUID()}:` });
      await store.set('k', grant);
      expect(await store.get('k')).toEqual(grant);
      await store.close();
      expect(client.isOpen).toBe(true);
      expect(await client.ping()).toBe('PONG');
    } finally {
      await client.close();
    }
  });

  test('a client passed in that is not connected is a clear error, and is not connected behind your back', async () => {
    const client = createClient({ url: redis.url });
    const store = new RedisTokenStore({ client });
    const error = await store.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisStoreError);
    expect((error as Error).message).toMatch(/not open; call client.connect\(\) first/);
    expect(client.isOpen).toBe(false);
  });
});
