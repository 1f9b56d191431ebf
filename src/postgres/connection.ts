import pg from 'pg';
import { OAuthValidationError } from '../client/errors.js';
import { PostgresStoreError, postgresFailure, postgresTimeout, type ServerIdentity } from './errors.js';

/** What the store reads from a query's result. */
export interface PostgresQueryResult {
  /** The rows, one object per row keyed by column name. */
  rows: Record<string, unknown>[];
  /** How many rows the statement changed (UPDATE, DELETE) or returned. */
  rowCount: number | null;
}

/** A connection checked out of a pool (`pool.connect()`), given back with `release()`. */
export interface PostgresPoolClientLike {
  /** Runs one parameterized statement on this connection. */
  query(text: string, values?: unknown[]): Promise<PostgresQueryResult>;
  /** `release(true)` closes the connection instead of returning it to the pool. */
  release(destroy?: boolean): void;
}

/**
 * The part of a node-postgres `Pool` (from `pg` 8) the store uses. Pass your own pool to share its
 * connections, TLS and auth settings; the store never ends it. Refresh locks are held on separate
 * connections that the store opens with the pool's own settings (`pool.options`), so a lock never
 * takes a connection your queries need.
 */
export interface PostgresPoolLike {
  /** Runs one parameterized statement on any pooled connection. */
  query(text: string, values?: unknown[]): Promise<PostgresQueryResult>;
  /** Checks a connection out (used by `ensureSchema()` for its transaction). */
  connect(): Promise<PostgresPoolClientLike>;
  /** The settings the pool was created with; node-postgres keeps them here. */
  readonly options?: object;
}

/** One connection that holds advisory locks; ending it releases every lock it holds. */
export interface LockSession {
  /** `extraMs` extends the command timeout, for a statement that waits for a lock on purpose. */
  query(text: string, values?: unknown[], extraMs?: number): Promise<PostgresQueryResult>;
  /** Closes the connection (and so frees its locks) within the command timeout. */
  end(): Promise<void>;
  /** True once the connection failed or ended: its locks are gone. */
  readonly lost: boolean;
}

/** Runs one statement on the connection `withClient` checked out. */
export type Query = (text: string, values?: unknown[]) => Promise<PostgresQueryResult>;

export interface ConnectionSettings {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  table: string;
}

type Source = { pool: PostgresPoolLike } | { connectionString: string };

function identify(source: Source, table: string): ServerIdentity {
  const settings: Record<string, unknown> =
    'pool' in source ? { ...((source.pool.options as Record<string, unknown> | undefined) ?? {}) } : {};
  const url = 'connectionString' in source ? source.connectionString : settings.connectionString;
  const secrets: (string | undefined)[] = [];
  if (typeof settings.password === 'string') secrets.push(settings.password);
  let where = 'the server of the pool passed in';
  let user = typeof settings.user === 'string' ? settings.user : undefined;
  if (typeof url === 'string') {
    try {
      const parsed = new URL(url);
      if (parsed.password) secrets.push(parsed.password, decodeURIComponent(parsed.password));
      user = decodeURIComponent(parsed.username) || user;
      where = `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname}`;
    } catch {
      // A connection string that is not a URL: say nothing about it rather than risk echoing it.
    }
  } else if (typeof settings.host === 'string' || typeof settings.database === 'string') {
    where = `${settings.host ?? 'localhost'}:${settings.port ?? 5432}/${settings.database ?? ''}`;
  }
  return { where, user, table, secrets };
}

/**
 * The store's access to PostgreSQL: a pool for plain queries (its own, or one passed in) and
 * dedicated connections for refresh locks. Every operation is bounded by the configured timeouts,
 * and every failure becomes a `PostgresStoreError` that never carries the password.
 */
export class PostgresConnection {
  readonly server: ServerIdentity;
  readonly #pool: PostgresPoolLike;
  /** Set only for a pool this connection created, and so may end. */
  readonly #owned: pg.Pool | undefined;
  readonly #lockClientConfig: pg.ClientConfig | undefined;
  readonly #settings: ConnectionSettings;
  #closed = false;

  constructor(source: Source, settings: ConnectionSettings) {
    this.#settings = settings;
    this.server = identify(source, settings.table);
    const bounded = { connectionTimeoutMillis: settings.connectTimeoutMs, keepAlive: true };
    if ('pool' in source) {
      this.#pool = source.pool;
      const options = source.pool.options;
      this.#lockClientConfig = options && typeof options === 'object' ? { ...options, ...bounded } : undefined;
      return;
    }
    const config = { connectionString: source.connectionString, ...bounded };
    const owned = new pg.Pool({ ...config, max: 10, idleTimeoutMillis: 10_000 });
    // An idle connection that dies (server restart) is reported here; the pool replaces it, and
    // without a listener the event would crash the process.
    owned.on('error', () => {});
    this.#pool = owned as unknown as PostgresPoolLike;
    this.#owned = owned;
    this.#lockClientConfig = config;
  }

  /** Runs one statement on the pool. `what` completes "could not …" in errors. */
  async query(
    text: string,
    values: unknown[],
    what: string,
    secrets: readonly (string | undefined)[] = [],
  ): Promise<PostgresQueryResult> {
    this.#checkOpen();
    return this.#bounded(this.#pool.query(text, values), what, secrets);
  }

  /** Runs `task` on one pooled connection (for a transaction), then gives the connection back. */
  async withClient<T>(what: string, task: (query: Query) => Promise<T>): Promise<T> {
    this.#checkOpen();
    const client = await this.#checkout(what);
    // A failed task may leave a transaction open: that connection is closed, not reused.
    let broken = false;
    try {
      return await task((text, values) => this.#bounded(client.query(text, values), what));
    } catch (error) {
      broken = true;
      throw postgresFailure(error, what, this.server);
    } finally {
      client.release(broken);
    }
  }

  /**
   * Opens a connection of its own for holding advisory locks. It is never pooled: when this
   * process dies, the socket closes and the server frees the locks at once.
   */
  async openLockSession(what: string): Promise<LockSession> {
    this.#checkOpen();
    if (!this.#lockClientConfig) return this.#pooledLockSession(what);
    const client = new pg.Client(this.#lockClientConfig);
    let lost = false;
    // A failure of this connection means its locks are gone; whoever uses it learns from `lost`.
    client.on('error', () => {
      lost = true;
    });
    client.on('end', () => {
      lost = true;
    });
    try {
      await this.#bounded(client.connect(), what);
    } catch (error) {
      void client.end().catch(() => {});
      throw error;
    }
    return {
      query: (text, values, extraMs = 0) =>
        this.#bounded(client.query(text, values) as Promise<PostgresQueryResult>, what, [], extraMs),
      end: async () => {
        if (lost) return;
        await this.#bounded(client.end(), 'close the lock connection').catch(() => {
          (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
        });
      },
      get lost() {
        return lost;
      },
    };
  }

  /** Ends the pool this connection created; a pool passed in stays open. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#owned?.end().catch(() => {});
  }

  /** Fallback for a pool without `options`: a pooled connection, destroyed (not reused) afterwards. */
  async #pooledLockSession(what: string): Promise<LockSession> {
    const client = await this.#checkout(what);
    let lost = false;
    return {
      query: (text, values, extraMs = 0) =>
        this.#bounded(client.query(text, values), what, [], extraMs).catch((error: unknown) => {
          lost = true;
          throw error;
        }),
      end: async () => {
        lost = true;
        client.release(true);
      },
      get lost() {
        return lost;
      },
    };
  }

  /** A pooled connection within the deadline; one that arrives after it is given back, not lost. */
  async #checkout(what: string): Promise<PostgresPoolClientLike> {
    const connecting = this.#pool.connect();
    try {
      return await this.#bounded(connecting, what);
    } catch (error) {
      // Queued behind busy connections, it may still come: unreleased, the pool would lose it for good.
      connecting.then(
        (late) => late.release(),
        () => {},
      );
      throw error;
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new PostgresStoreError('The PostgresTokenStore is closed.', 'OAUTH_POSTGRES_CLOSED');
  }

  /** Settles within the command (or connect) timeout, with a `PostgresStoreError` on failure. */
  async #bounded<T>(
    operation: Promise<T>,
    what: string,
    secrets: readonly (string | undefined)[] = [],
    extraMs = 0,
  ): Promise<T> {
    const ms = Math.max(this.#settings.commandTimeoutMs, this.#settings.connectTimeoutMs) + extraMs;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(postgresTimeout(what, ms, this.server)), ms);
    });
    // A reply after the deadline is dropped, and so is its error.
    operation.catch(() => {});
    try {
      return await Promise.race([operation, late]);
    } catch (error) {
      const server = { ...this.server, secrets: [...this.server.secrets, ...secrets] };
      throw postgresFailure(error, what, server);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Validates `connectionString`: a `postgres://` or `postgresql://` URL. */
export function validConnectionString(value: unknown): string {
  if (typeof value !== 'string' || !/^postgres(ql)?:\/\//.test(value)) {
    throw new OAuthValidationError('connectionString must be a postgres:// or postgresql:// URL.');
  }
  try {
    new URL(value);
  } catch {
    // The value may hold a password: the message does not repeat it.
    throw new OAuthValidationError('connectionString is not a valid URL.');
  }
  return value;
}
