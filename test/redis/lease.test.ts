/** @requires redis-server */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import { createClient } from 'redis';
import { OAuthClient, type OAuthClientOptions, TokenManager, type TokenSetJSON } from '../../src/index.js';
import { LockLostError, RedisTokenStore, type RedisTokenStoreOptions } from '../../src/redis/index.js';
import { deferred } from '../support.js';
import { startRedis, type TestRedis } from './support.js';

/**
 * The refresh lock as a lease (issue 12, point 5): renewed before each request to outlast it,
 * confirmed (lock still ours, refresh token still current) right before each request, and the
 * request aborted when the lock is lost. One real Redis, one real HTTP token endpoint.
 */

const KEY = 'user-42';
let redis: TestRedis;
let raw: ReturnType<typeof createClient>;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  // A private server: one test freezes it.
  redis = await startRedis({ ownServer: true });
  raw = createClient({ url: redis.url });
  await raw.connect();
});

afterAll(async () => {
  await raw?.close();
  await redis?.stop();
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

type Reply = (res: ServerResponse) => void | Promise<void>;

const answerWithTokens =
  (n: number): Reply =>
  (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        access_token: `access-token-${n}`,
        refresh_token: `refresh-token-${n}`,
        token_type: 'bearer',
        expires_in: 3600,
      }),
    );
  };

const tooManyRequests =
  (retryAfterSeconds: number): Reply =>
  (res) => {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(retryAfterSeconds) });
    res.end(JSON.stringify({ error: { error_name: 'exceeded_rate', error_msg: 'Slow down.' } }));
  };

/** A token endpoint that records the refresh token of each request and answers with `replies`, in order. */
async function tokenEndpoint(replies: Reply[]) {
  const received: string[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push(String(JSON.parse(body).refresh_token));
    await (replies[received.length - 1] ?? answerWithTokens(received.length))(res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(async () => {
    server.closeAllConnections();
    server.close();
  });
  return { baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received };
}

function tokens(name: string, expiresInSeconds: number): TokenSetJSON {
  return {
    accessToken: `access-${name}`,
    refreshToken: `refresh-${name}`,
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: new Date(Date.now() + expiresInSeconds * 1000).toISOString(),
  };
}

async function setup(options: {
  replies: Reply[];
  store: Partial<RedisTokenStoreOptions>;
  client: Partial<OAuthClientOptions>;
}) {
  const endpoint = await tokenEndpoint(options.replies);
  const keyPrefix = `test-${randomUUID()}:`;
  const store = new RedisTokenStore({ url: redis.url, keyPrefix, ...options.store });
  closers.push(() => store.close());
  await store.set(KEY, tokens('start', -60));
  const client = new OAuthClient({
    clientId: 'client-id',
    clientSecret: 'client-secret-value',
    baseUrl: endpoint.baseUrl,
    allowInsecureHttp: true,
    ...options.client,
  });
  const manager = new TokenManager({ client, store });
  return { ...endpoint, store, manager, lockKey: `${keyPrefix}lock:${KEY}` };
}

/** What another process does once it holds the lock that this one lost. */
async function takeOverLock(lockKey: string): Promise<void> {
  await raw.set(lockKey, 'another-process', { PX: 60_000 });
}

describe('the refresh lock as a lease', () => {
  test('before each request the lock is renewed to outlast that request, beyond a short lockTtlMs', async () => {
    const answer = deferred();
    const { manager, received, lockKey } = await setup({
      replies: [
        async (res) => {
          await answer.promise;
          answerWithTokens(1)(res);
        },
      ],
      // Short next to the 4 s attempt, yet longer than this process's first request takes to load the
      // transport on a cold Jest cache (about 360 ms in a fresh clone here): 300 ms lapsed before it.
      store: { lockTtlMs: 1_000, commandTimeoutMs: 500 },
      client: { timeoutMs: 4_000 },
    });
    const refreshed = manager.getAccessToken(KEY);
    while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));

    // The request is in flight: the lock lives for the attempt's timeout and the write of its result.
    const ttl = await raw.pTTL(lockKey);
    answer.resolve();

    expect(ttl).toBeGreaterThan(3_000);
    expect(ttl).toBeLessThanOrEqual(4_000 + 2 * 500);
    await expect(refreshed).resolves.toBe('access-token-1');
  });

  test('a lock lost while waiting to retry is caught right before the next request, which is never sent', async () => {
    const { manager, received, lockKey, store } = await setup({
      replies: [tooManyRequests(1)],
      // Extended every 20 s: only the confirmation before the request can notice the loss.
      store: { lockTtlMs: 60_000 },
      client: { maxRetries: 1 },
    });
    const refreshed = manager.getAccessToken(KEY);
    while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await takeOverLock(lockKey);

    const error = await refreshed.catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(LockLostError);
    expect(error).toMatchObject({ code: 'OAUTH_LOCK_LOST', key: KEY });
    expect((error as Error).message).toMatch(/another process holds it now/);
    expect(received).toEqual(['refresh-start']);
    expect(await store.get(KEY)).toMatchObject({ refreshToken: 'refresh-start' });
  });

  test('an extension that finds the lock taken aborts the request in flight', async () => {
    const { manager, received, lockKey } = await setup({
      replies: [() => new Promise<void>(() => {})],
      store: { lockTtlMs: 300 },
      client: { timeoutMs: 10_000 },
    });
    const started = performance.now();
    const refreshed = manager.getAccessToken(KEY).catch((caught: unknown) => caught);
    while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await takeOverLock(lockKey);

    const error = await refreshed;

    expect(error).toBeInstanceOf(LockLostError);
    expect((error as LockLostError).code).toBe('OAUTH_LOCK_LOST');
    // Stopped by the next extension (every 100 ms), not by the 10 s request timeout.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  test('a lock that lapses (Redis stops answering) aborts the wait for a retry: nothing more is sent', async () => {
    const { manager, received } = await setup({
      replies: [tooManyRequests(3)],
      store: { lockTtlMs: 300, commandTimeoutMs: 100 },
      client: { maxRetries: 1, timeoutMs: 100 },
    });
    const started = performance.now();
    const refreshed = manager.getAccessToken(KEY).catch((caught: unknown) => caught);
    while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    process.kill(redis.pid as number, 'SIGSTOP');
    let error: unknown;
    try {
      error = await refreshed;
    } finally {
      process.kill(redis.pid as number, 'SIGCONT');
    }

    expect(error).toBeInstanceOf(LockLostError);
    expect((error as Error).message).toMatch(/lapsed/);
    // Well before the 3 s Retry-After: the wait was aborted when the lease ran out.
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(received).toEqual(['refresh-start']);
  });

  test('a newer refresh token in the store right before a request: the old one is not sent, the newer tokens are used', async () => {
    const { manager, received, store } = await setup({
      replies: [tooManyRequests(1)],
      store: { lockTtlMs: 60_000 },
      client: { maxRetries: 1 },
    });
    const refreshed = manager.getAccessToken(KEY);
    while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    // Another process refreshed meanwhile (its lock outlived this one's, or a new consent came in).
    await store.set(KEY, tokens('elsewhere', 3600));

    await expect(refreshed).resolves.toBe('access-elsewhere');
    expect(received).toEqual(['refresh-start']);
  });

  test('a newer refresh token whose access token is expired too: the refresh restarts with the newer refresh token', async () => {
    const { manager, received, store } = await setup({
      replies: [tooManyRequests(1)],
      store: { lockTtlMs: 60_000 },
      client: { maxRetries: 1 },
    });
    const refreshed = manager.getAccessToken(KEY);
    while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await store.set(KEY, tokens('elsewhere', -60));

    await expect(refreshed).resolves.toBe('access-token-2');
    expect(received).toEqual(['refresh-start', 'refresh-elsewhere']);
    expect(await store.get(KEY)).toMatchObject({ accessToken: 'access-token-2', refreshToken: 'refresh-token-2' });
  });
});
