import type { PostgresPoolClientLike, PostgresPoolLike } from '../../src/postgres/index.js';
import { PostgresStoreError, PostgresTokenStore } from '../../src/postgres/index.js';

/**
 * A pool whose connections are all busy: `connect()` answers only after `delayMs`, as node-postgres
 * does for a caller queued behind other checkouts. No server is needed to see what the store does
 * with a connection that arrives after its deadline.
 */
function busyPool(delayMs: number) {
  const released: (boolean | undefined)[] = [];
  const pool: PostgresPoolLike = {
    query: async () => ({ rows: [], rowCount: 0 }),
    connect: () =>
      new Promise<PostgresPoolClientLike>((resolve) => {
        setTimeout(
          () =>
            resolve({
              query: async () => ({ rows: [{ locked: true }], rowCount: 1 }),
              release: (destroy) => {
                released.push(destroy);
              },
            }),
          delayMs,
        );
      }),
  };
  return { pool, released };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a pooled connection that arrives after the deadline', () => {
  test('ensureSchema times out with a typed error and the late connection goes back to the pool', async () => {
    const { pool, released } = busyPool(150);
    const store = new PostgresTokenStore({ pool, connectTimeoutMs: 20, commandTimeoutMs: 20 });

    const error = await store.ensureSchema().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostgresStoreError);
    expect(error).toMatchObject({ code: 'OAUTH_POSTGRES_UNAVAILABLE' });

    await sleep(250);
    expect(released).toHaveLength(1);
  });

  test('a refresh lock on a pool without options times out the same way, leaking no connection', async () => {
    const { pool, released } = busyPool(150);
    const store = new PostgresTokenStore({ pool, connectTimeoutMs: 20, commandTimeoutMs: 20 });

    const error = await store.runExclusive('user-1', async () => 'ran').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostgresStoreError);

    await sleep(250);
    expect(released).toHaveLength(1);
  });
});
