/** @requires postgresql */
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { Pool } from 'pg';
import { OAuthError, OAuthValidationError, type TokenSetJSON } from '../../src/index.js';
import {
  PostgresLockTimeoutError,
  PostgresStoreError,
  PostgresTokenStore,
  postgresSchemaSql,
} from '../../src/postgres/index.js';
import { freePort } from '../support.js';
import { psql, startPostgres, type TestPostgres } from './support.js';

let postgres: TestPostgres;
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
}, 120_000);

afterAll(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
  await postgres?.destroy();
});

function uniqueTable(): string {
  return `grants_${randomUUID().replaceAll('-', '')}`;
}

function newStore(options: Partial<ConstructorParameters<typeof PostgresTokenStore>[0]> = {}): PostgresTokenStore {
  const store = new PostgresTokenStore({ connectionString: postgres.url, table: uniqueTable(), ...options });
  opened.push(store);
  return store;
}

function tokens(n: number): TokenSetJSON {
  return {
    accessToken: `access-token-${n}`,
    refreshToken: `refresh-token-${n}`,
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: '2030-01-01T00:00:00.000Z',
  };
}

/** The password of the test cluster's URL, swapped for `password`. */
function withPassword(password: string): string {
  const url = new URL(postgres.url);
  url.password = password;
  return url.toString();
}

async function failure(promise: Promise<unknown>): Promise<PostgresStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PostgresStoreError);
  expect(error).toBeInstanceOf(OAuthError);
  return error as PostgresStoreError;
}

/** Everything a user could see of an error: message, causes, and util.inspect output. */
function everythingShown(error: unknown): string {
  return `${String(error)}\n${inspect(error, { depth: 10 })}`;
}

describe('PostgresTokenStore schema', () => {
  test('ensureSchema creates the table with the documented columns, and running it again (or concurrently) is fine', async () => {
    const table = uniqueTable();
    const stores = Array.from({ length: 4 }, () => newStore({ table }));
    await Promise.all(stores.map((store) => store.ensureSchema()));
    await stores[0].ensureSchema();
    const columns = await psql(
      postgres.url,
      `SELECT column_name || ':' || data_type FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`,
    );
    expect(columns.trim().split('\n')).toEqual(['key:text', 'tokens:jsonb', 'updated_at:timestamp with time zone']);
  });

  test('the printed schema SQL, run by your own migration, makes a table the store works with', async () => {
    const table = uniqueTable();
    await psql(postgres.url, postgresSchemaSql(table));
    const store = newStore({ table });
    await store.set('user-1', tokens(1));
    expect(await store.get('user-1')).toEqual(tokens(1));
  });

  test('a missing table is OAUTH_POSTGRES_SCHEMA_MISSING, and the message says how to create it', async () => {
    const store = newStore();
    const error = await failure(store.get('user-1'));
    expect(error.code).toBe('OAUTH_POSTGRES_SCHEMA_MISSING');
    expect(error.message).toContain('ensureSchema()');
    expect(error.message).toContain(store.table);
    expect(error.message).toContain('does not exist');
  });

  test('a schema-qualified table name is used as given', async () => {
    const schema = `s_${randomUUID().replaceAll('-', '')}`;
    await psql(postgres.url, `CREATE SCHEMA ${schema}`);
    const store = newStore({ table: `${schema}.grants` });
    await store.ensureSchema();
    await store.set('user-1', tokens(1));
    expect(await psql(postgres.url, `SELECT tokens->>'accessToken' FROM ${schema}.grants WHERE key = 'user-1'`)).toBe(
      'access-token-1\n',
    );
  });
});

describe('PostgresTokenStore data', () => {
  test('keeps one row per grant, tokens as jsonb, readable with psql', async () => {
    const store = newStore();
    await store.ensureSchema();
    await store.set('user:1', tokens(1));
    await store.set('user:1', tokens(2));
    const rows = await psql(postgres.url, `SELECT key, tokens->>'accessToken' FROM "${store.table}"`);
    expect(rows).toBe('user:1|access-token-2\n');
  });

  test('a value that is not token JSON is OAUTH_POSTGRES_BAD_VALUE and is not echoed', async () => {
    const store = newStore();
    await store.ensureSchema();
    await psql(postgres.url, `INSERT INTO "${store.table}" (key, tokens) VALUES ('user-1', '"secret-string"')`);
    const error = await failure(store.get('user-1'));
    expect(error.code).toBe('OAUTH_POSTGRES_BAD_VALUE');
    expect(everythingShown(error)).not.toContain('secret-string');
  });

  test('keys() lists every grant key, across pages', async () => {
    const store = newStore();
    await store.ensureSchema();
    await psql(
      postgres.url,
      `INSERT INTO "${store.table}" (key, tokens) SELECT 'user-' || lpad(n::text, 4, '0'), '{"accessToken":"a","tokenType":"Bearer"}' FROM generate_series(1, 1203) AS n`,
    );
    const keys: string[] = [];
    for await (const key of store.keys()) keys.push(key);
    expect(keys).toHaveLength(1203);
    expect(keys[0]).toBe('user-0001');
    expect(keys.at(-1)).toBe('user-1203');
    expect(new Set(keys).size).toBe(1203);
  });
});

describe('PostgresTokenStore errors', () => {
  test('a wrong password is OAUTH_POSTGRES_AUTH_FAILED; neither password appears anywhere in it', async () => {
    const wrong = `wrong-${randomUUID()}`;
    const store = newStore({ connectionString: withPassword(wrong) });
    const error = await failure(store.get('user-1'));
    expect(error.code).toBe('OAUTH_POSTGRES_AUTH_FAILED');
    expect(error.message).toMatch(/refused to log in as user "postgres".*Check the user and password/);
    expect(everythingShown(error)).not.toContain(wrong);
    expect(everythingShown(error)).not.toContain(postgres.password);
    expect(inspect(store, { depth: 10, showHidden: true })).not.toContain(wrong);
  });

  test('nothing listening is OAUTH_POSTGRES_UNAVAILABLE, promptly, and names where without the password', async () => {
    const port = await freePort();
    const store = newStore({ connectionString: `postgres://app:hunter2-secret@127.0.0.1:${port}/app` });
    const started = performance.now();
    const error = await failure(store.set('user-1', tokens(1)));
    expect(error.code).toBe('OAUTH_POSTGRES_UNAVAILABLE');
    expect(error.message).toContain(`127.0.0.1:${port}/app is unavailable`);
    expect(everythingShown(error)).not.toContain('hunter2');
    expect(everythingShown(error)).not.toContain('access-token-1');
    expect(performance.now() - started).toBeLessThan(5_000);
    await expect(store.runExclusive('user-1', async () => 1)).rejects.toMatchObject({
      code: 'OAUTH_POSTGRES_UNAVAILABLE',
    });
  });

  test.each([
    ['neither pool nor connectionString', {}, /exactly one of \{ pool \} or \{ connectionString \}/],
    ['both', { pool: new Pool(), connectionString: 'postgres://x' }, /exactly one of/],
    [
      'a connection string that is not a postgres URL',
      { connectionString: 'mysql://u:pw-secret@h/db' },
      /postgres:\/\//,
    ],
    [
      'a table name that is not a plain identifier',
      { connectionString: 'postgres://h/db', table: 'g; DROP TABLE x' },
      /plain SQL name/,
    ],
    [
      'an unknown option',
      { connectionString: 'postgres://h/db', tabel: 'x' },
      /Unknown PostgresTokenStore option "tabel"/,
    ],
    [
      'a lock TTL that is not an integer',
      { connectionString: 'postgres://h/db', lockTtlMs: 1.5 },
      /lockTtlMs must be an integer/,
    ],
  ])('bad options are an OAuthValidationError: %s', (_, options, message) => {
    const make = () => new PostgresTokenStore(options as never);
    expect(make).toThrow(OAuthValidationError);
    expect(make).toThrow(message);
    try {
      make();
    } catch (error) {
      expect(String(error)).not.toContain('pw-secret');
    }
  });
});

describe('PostgresTokenStore.runExclusive', () => {
  test('a lock held longer than lockWaitMs is a PostgresLockTimeoutError and the task never runs', async () => {
    const holder = newStore();
    const waiter = newStore({ table: holder.table, lockWaitMs: 200 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const holding = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const outer = holder.runExclusive('user-1', async () => {
      entered();
      await held;
    });
    await holding;
    let ran = false;
    const error = await waiter
      .runExclusive('user-1', async () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    release();
    await outer;
    expect(error).toBeInstanceOf(PostgresLockTimeoutError);
    expect(error).toMatchObject({ code: 'OAUTH_LOCK_TIMEOUT', key: 'user-1', waitedMs: 200 });
    expect(ran).toBe(false);
    // lockWaitMs 0: one try, no wait.
    const once = newStore({ table: holder.table, lockWaitMs: 0 });
    expect(await once.runExclusive('user-1', async () => 'free now')).toBe('free now');
  });

  test('holds the lock as an advisory lock on a connection of its own, and drops that connection afterwards', async () => {
    const store = newStore();
    // This lock only: other test files may hold advisory locks on a shared server (PG_URL).
    const lockName = `hellosign-oauth:${store.table}:user-1`;
    const backends = `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
      AND ((classid::bigint << 32) | objid::bigint) = hashtextextended('${lockName}', 0)`;
    const during = await store.runExclusive('user-1', () => psql(postgres.url, backends));
    expect(Number(during)).toBe(1);
    expect(Number(await psql(postgres.url, backends))).toBe(0);
  });
});

describe('PostgresTokenStore with a pool passed in', () => {
  test('uses the pool (also for locks, opened with its settings) and leaves it open on close()', async () => {
    const pool = new Pool({ connectionString: postgres.url, max: 2 });
    try {
      const store = new PostgresTokenStore({ pool, table: uniqueTable() });
      await store.ensureSchema();
      await store.set('user-1', tokens(1));
      // Two grants refresh at once: locks on their own connections leave the pool's two free.
      const results = await Promise.all(
        ['user-1', 'user-2'].map((key) =>
          store.runExclusive(key, async () => (await store.get('user-1'))?.accessToken),
        ),
      );
      expect(results).toEqual(['access-token-1', 'access-token-1']);
      await store.close();
      await expect(store.get('user-1')).rejects.toMatchObject({ code: 'OAUTH_POSTGRES_CLOSED' });
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  test('a pool without `options` (a wrapper) still gets exclusive locks, on connections it then discards', async () => {
    const pool = new Pool({ connectionString: postgres.url, max: 4 });
    try {
      const wrapper = { query: pool.query.bind(pool), connect: pool.connect.bind(pool) };
      const table = uniqueTable();
      const stores = [0, 1, 2].map(() => new PostgresTokenStore({ pool: wrapper as never, table }));
      let running = 0;
      let most = 0;
      await Promise.all(
        stores.map((store) =>
          store.runExclusive('user-1', async () => {
            running++;
            most = Math.max(most, running);
            await new Promise((resolve) => setTimeout(resolve, 30));
            running--;
          }),
        ),
      );
      expect(most).toBe(1);
      // The lock connections were closed, not returned to the pool with their session settings.
      expect(pool.totalCount).toBe(0);
    } finally {
      await pool.end();
    }
  });

  test('a store made from a connection string ends its own pool on close(); closing twice is fine', async () => {
    const store = new PostgresTokenStore({ connectionString: postgres.url, table: uniqueTable() });
    await store.ensureSchema();
    await store.close();
    await store.close();
    await expect(store.get('user-1')).rejects.toMatchObject({ code: 'OAUTH_POSTGRES_CLOSED' });
  });

  test('util.inspect of a store shows neither the connection string nor its password', () => {
    const store = newStore();
    const shown = inspect(store, { depth: 10, showHidden: true });
    expect(shown).not.toContain(postgres.password);
    expect(shown).toContain('PostgresTokenStore');
  });
});
