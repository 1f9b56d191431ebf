/** @requires redis-server */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { OAuthError } from '../../src/index.js';
import {
  LockTimeoutError,
  RedisStoreError,
  RedisTokenStore,
  type RedisTokenStoreOptions,
} from '../../src/redis/index.js';
import { startRedis, type TestRedis } from './support.js';

let redis: TestRedis;
let raw: ReturnType<typeof createClient>;
const stores: RedisTokenStore[] = [];

beforeAll(async () => {
  redis = await startRedis();
  raw = createClient({ url: redis.url });
  await raw.connect();
});

afterAll(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await raw?.close();
  await redis?.stop();
});

/** `count` stores (separate connections, as separate processes would have) sharing one prefix. */
function storesSharing(count: number, options: Partial<RedisTokenStoreOptions> = {}) {
  const keyPrefix = `test-${randomUUID()}:`;
  const created = Array.from({ length: count }, () => new RedisTokenStore({ url: redis.url, keyPrefix, ...options }));
  stores.push(...created);
  return { keyPrefix, stores: created };
}

describe('RedisTokenStore.runExclusive', () => {
  test('runs one task at a time per key across connections, and every task runs', async () => {
    const { stores: five } = storesSharing(5);
    let running = 0;
    let most = 0;
    let finished = 0;
    await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        five[i % 5].runExclusive('grant', async () => {
          running++;
          most = Math.max(most, running);
          await sleep(5);
          running--;
          finished++;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(finished).toBe(15);
  });

  test('different keys do not wait for each other', async () => {
    const { stores: two } = storesSharing(2);
    let releaseFirst!: () => void;
    const first = two[0].runExclusive('grant-a', () => new Promise<void>((resolve) => (releaseFirst = resolve)));
    // Would time out (lockWaitMs) if grant-b shared grant-a's lock.
    await expect(two[1].runExclusive('grant-b', async () => 'ran')).resolves.toBe('ran');
    releaseFirst();
    await first;
  });

  test("returns the task's result and passes its error through unchanged, releasing the lock either way", async () => {
    const {
      keyPrefix,
      stores: [store],
    } = storesSharing(1);
    await expect(store.runExclusive('grant', async () => 42)).resolves.toBe(42);
    const failure = new Error('task failed');
    await expect(
      store.runExclusive('grant', async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await raw.exists(`${keyPrefix}lock:grant`)).toBe(0);
  });

  test('holds the lock under <keyPrefix>lock:<key> with a TTL while the task runs', async () => {
    const {
      keyPrefix,
      stores: [store],
    } = storesSharing(1, { lockTtlMs: 5000 });
    await store.runExclusive('grant', async () => {
      const ttl = await raw.pTTL(`${keyPrefix}lock:grant`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(5000);
    });
  });

  test('releases only its own lock: a lock that passed to another owner survives the release', async () => {
    const {
      keyPrefix,
      stores: [store],
    } = storesSharing(1);
    const lockKey = `${keyPrefix}lock:grant`;
    await store.runExclusive('grant', async () => {
      // As if this holder's lock expired and another process took it.
      await raw.set(lockKey, 'another-owner', { PX: 60_000 });
    });
    expect(await raw.get(lockKey)).toBe('another-owner');
  });

  test('a bounded wait: a lock held too long is a LockTimeoutError and the task never runs', async () => {
    const {
      keyPrefix,
      stores: [store],
    } = storesSharing(1, { lockWaitMs: 200 });
    await raw.set(`${keyPrefix}lock:grant`, 'a-busy-owner', { PX: 60_000 });
    let ran = false;
    const error = await store
      .runExclusive('grant', async () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(error).toBeInstanceOf(RedisStoreError);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({ code: 'OAUTH_LOCK_TIMEOUT', key: 'grant', waitedMs: 200 });
    expect(ran).toBe(false);
  });

  test("a dead holder's lock frees itself after its TTL and a waiter then runs", async () => {
    const {
      keyPrefix,
      stores: [store],
    } = storesSharing(1, { lockWaitMs: 10_000 });
    // Left behind by a process that died: nobody extends or releases it.
    await raw.set(`${keyPrefix}lock:grant`, 'a-dead-owner', { PX: 300 });
    await expect(store.runExclusive('grant', async () => 'ran')).resolves.toBe('ran');
  });

  test('a live holder extends its lock, so a task longer than the TTL keeps others out', async () => {
    const {
      stores: [holder, contender],
    } = storesSharing(2, { lockTtlMs: 300, lockWaitMs: 600 });
    let releaseHolder!: () => void;
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const task = holder.runExclusive('grant', async () => {
      holding();
      await new Promise<void>((resolve) => (releaseHolder = resolve));
    });
    await held;
    // The contender waits twice the TTL; without extension it would have got the lock.
    await expect(contender.runExclusive('grant', async () => 'ran')).rejects.toBeInstanceOf(LockTimeoutError);
    releaseHolder();
    await task;
    await expect(contender.runExclusive('grant', async () => 'ran')).resolves.toBe('ran');
  });
});
