import { OAuthValidationError } from '../client/errors.js';
import type { TokenSetJSON } from '../client/tokens.js';
import { timerMilliseconds, validateKey } from '../internal/validation.js';
import type { TokenStore } from '../session/store.js';
import { PostgresConnection, type PostgresPoolLike, validConnectionString } from './connection.js';
import { PostgresStoreError } from './errors.js';
import { withAdvisoryLock } from './lock.js';
import { DEFAULT_TABLE, postgresSchemaSql, quotedTable } from './schema.js';

/** Options of `new PostgresTokenStore(…)`: exactly one of `pool` or `connectionString`; the rest have defaults. */
export interface PostgresTokenStoreOptions {
  /** A node-postgres `Pool` you created; the store uses it and never ends it. */
  pool?: PostgresPoolLike;
  /** `postgres://user:password@host:port/database`. The store creates, and `close()` ends, its pool. */
  connectionString?: string;
  /** The grants table, optionally schema-qualified (`auth.grants`). Default `'hellosign_oauth_grants'`. */
  table?: string;
  /**
   * How long a lock holder that stops answering (frozen, cut off) keeps a grant's refresh lock
   * before PostgreSQL ends its session. A holder that dies frees the lock at once. Default 10 000.
   */
  lockTtlMs?: number;
  /** How long a process waits for another's refresh before `PostgresLockTimeoutError`. Default 30 000. */
  lockWaitMs?: number;
  /** How long to wait for a connection before `OAUTH_POSTGRES_UNAVAILABLE`. Default 5 000. */
  connectTimeoutMs?: number;
  /** How long to wait for each statement's answer before `OAUTH_POSTGRES_UNAVAILABLE`. Default 5 000. */
  commandTimeoutMs?: number;
}

const KNOWN = new Set([
  'pool',
  'connectionString',
  'table',
  'lockTtlMs',
  'lockWaitMs',
  'connectTimeoutMs',
  'commandTimeoutMs',
]);
/** How many grant keys `keys()` reads per round trip. */
const KEYS_PAGE = 500;

function source(options: PostgresTokenStoreOptions): { pool: PostgresPoolLike } | { connectionString: string } {
  const { pool, connectionString } = options;
  if ((pool === undefined) === (connectionString === undefined)) {
    throw new OAuthValidationError('PostgresTokenStore needs exactly one of { pool } or { connectionString }.');
  }
  if (pool !== undefined) {
    if (pool === null || typeof pool.query !== 'function' || typeof pool.connect !== 'function') {
      throw new OAuthValidationError('pool must be a node-postgres Pool (new Pool() from "pg").');
    }
    return { pool };
  }
  return { connectionString: validConnectionString(connectionString) };
}

function secretsOf(tokens: TokenSetJSON): string[] {
  return [tokens.accessToken, tokens.refreshToken].filter((token): token is string => typeof token === 'string');
}

/**
 * A `TokenStore` in PostgreSQL that lets several processes share grants safely: one row per grant,
 * compare-and-set writes in one `UPDATE` (a stale write never replaces newer tokens), and a
 * per-grant refresh lock that is a PostgreSQL advisory lock on a dedicated connection, so a
 * process killed while refreshing frees the lock at once instead of after a TTL.
 *
 * Create the table once with `ensureSchema()` (or your migrations: `postgresSchemaSql()`). Every
 * failure is a `PostgresStoreError`, raised within the configured timeouts.
 */
export class PostgresTokenStore implements TokenStore {
  /** The grants table, as given (unquoted). */
  readonly table: string;
  /** How long an unresponsive lock holder keeps a refresh lock. */
  readonly lockTtlMs: number;
  /** Longest wait for another process's refresh before `PostgresLockTimeoutError`. */
  readonly lockWaitMs: number;
  readonly #sqlTable: string;
  readonly #connection: PostgresConnection;

  constructor(options: PostgresTokenStoreOptions) {
    if (options === null || typeof options !== 'object') {
      throw new OAuthValidationError('PostgresTokenStore needs { pool } or { connectionString }.');
    }
    for (const name of Object.keys(options)) {
      if (!KNOWN.has(name)) throw new OAuthValidationError(`Unknown PostgresTokenStore option "${name}".`);
    }
    this.table = options.table ?? DEFAULT_TABLE;
    this.#sqlTable = quotedTable(this.table);
    this.lockTtlMs = timerMilliseconds(options.lockTtlMs, 'lockTtlMs', 10_000, 30);
    this.lockWaitMs = timerMilliseconds(options.lockWaitMs, 'lockWaitMs', 30_000, 0);
    this.#connection = new PostgresConnection(source(options), {
      connectTimeoutMs: timerMilliseconds(options.connectTimeoutMs, 'connectTimeoutMs', 5_000, 1),
      commandTimeoutMs: timerMilliseconds(options.commandTimeoutMs, 'commandTimeoutMs', 5_000, 1),
      table: this.table,
    });
  }

  /**
   * Creates the grants table if it does not exist (`postgresSchemaSql()`). Safe to call from every
   * process at startup: concurrent calls are serialized by a transaction-scoped advisory lock.
   */
  async ensureSchema(): Promise<void> {
    await this.#connection.withClient('create the grants table', async (query) => {
      await query('BEGIN');
      // Concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog; one at a time.
      await query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`hellosign-oauth:schema:${this.table}`]);
      await query(postgresSchemaSql(this.table));
      await query('COMMIT');
    });
  }

  /** The grant's stored tokens, or `undefined`. */
  async get(key: string): Promise<TokenSetJSON | undefined> {
    const { rows } = await this.#connection.query(
      `SELECT tokens FROM ${this.#sqlTable} WHERE key = $1`,
      [validateKey(key)],
      'read the grant',
    );
    if (rows.length === 0) return undefined;
    const value = rows[0].tokens;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new PostgresStoreError(
        `The value stored under key ${JSON.stringify(key)} is not token JSON.`,
        'OAUTH_POSTGRES_BAD_VALUE',
      );
    }
    return value as TokenSetJSON;
  }

  /** Stores the grant's tokens, replacing any; resolves once PostgreSQL has committed them. */
  async set(key: string, tokens: TokenSetJSON): Promise<void> {
    await this.#connection.query(
      `INSERT INTO ${this.#sqlTable} (key, tokens) VALUES ($1, $2::jsonb)
       ON CONFLICT (key) DO UPDATE SET tokens = EXCLUDED.tokens, updated_at = now()`,
      [validateKey(key), JSON.stringify(tokens)],
      'store the grant',
      secretsOf(tokens),
    );
  }

  /** Removes the grant's tokens. */
  async delete(key: string): Promise<void> {
    await this.#connection.query(
      `DELETE FROM ${this.#sqlTable} WHERE key = $1`,
      [validateKey(key)],
      'delete the grant',
    );
  }

  /**
   * Atomically (one `UPDATE … WHERE`) writes `next` only if the stored tokens are still
   * `expected`'s: the same rule as `MemoryTokenStore.compareAndSet`.
   */
  async compareAndSet(key: string, expected: TokenSetJSON, next: TokenSetJSON): Promise<boolean> {
    const { rowCount } = await this.#connection.query(
      `UPDATE ${this.#sqlTable} SET tokens = $4::jsonb, updated_at = now()
       WHERE key = $1 AND tokens->>'accessToken' = $2 AND coalesce(tokens->>'refreshToken', '') = $3`,
      [validateKey(key), expected.accessToken, expected.refreshToken ?? '', JSON.stringify(next)],
      'store the refreshed grant',
      [...secretsOf(expected), ...secretsOf(next)],
    );
    return rowCount === 1;
  }

  /**
   * Runs `task` while holding the grant's refresh lock, across every process sharing this
   * database. Waits at most `lockWaitMs` for it (`PostgresLockTimeoutError`). `TokenManager` reads
   * the store again inside the task, so a process that waited finds the holder's fresh tokens.
   */
  async runExclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    const lockName = `hellosign-oauth:${this.table}:${validateKey(key)}`;
    const settings = { ttlMs: this.lockTtlMs, waitMs: this.lockWaitMs };
    return withAdvisoryLock(this.#connection, lockName, key, settings, task);
  }

  /** Every grant key in the table, in order, read a page at a time (used by `rotate()` of an encrypted store). */
  async *keys(): AsyncGenerator<string> {
    let after: string | undefined;
    for (;;) {
      const { rows } = await this.#connection.query(
        after === undefined
          ? `SELECT key FROM ${this.#sqlTable} ORDER BY key LIMIT ${KEYS_PAGE}`
          : `SELECT key FROM ${this.#sqlTable} WHERE key > $1 ORDER BY key LIMIT ${KEYS_PAGE}`,
        after === undefined ? [] : [after],
        'list the grants',
      );
      for (const row of rows) yield row.key as string;
      if (rows.length < KEYS_PAGE) return;
      after = rows[rows.length - 1].key as string;
    }
  }

  /** Ends the pool the store created from `connectionString`; a `pool` passed in is left open. */
  close(): Promise<void> {
    return this.#connection.close();
  }
}
