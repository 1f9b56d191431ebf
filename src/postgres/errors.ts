import { OAuthError, sanitizedCause } from '../client/errors.js';

/**
 * `PostgresTokenStore` could not do its work. Switch on `code`:
 * - `OAUTH_POSTGRES_UNAVAILABLE`: the server is down, unreachable, restarting or did not answer in time;
 * - `OAUTH_POSTGRES_AUTH_FAILED`: the server refused the user or password;
 * - `OAUTH_POSTGRES_SCHEMA_MISSING`: the table (or one of its columns) does not exist;
 * - `OAUTH_POSTGRES_ERROR`: any other error the server answered with (its own words);
 * - `OAUTH_POSTGRES_BAD_VALUE`, `OAUTH_POSTGRES_CLOSED`, `OAUTH_LOCK_TIMEOUT`.
 *
 * The message says what to do. It never carries a token or the connection's password.
 */
export class PostgresStoreError extends OAuthError {}

/**
 * Another process held this grant's refresh lock for longer than `lockWaitMs`. Nothing was sent
 * to the token endpoint; calling again is safe.
 */
export class PostgresLockTimeoutError extends PostgresStoreError {
  /** The grant whose lock was busy. */
  readonly key: string;
  /** How long this call waited: the store's `lockWaitMs`. */
  readonly waitedMs: number;

  constructor(key: string, waitedMs: number) {
    super(
      `Gave up waiting ${waitedMs} ms for the refresh lock of key ${JSON.stringify(key)}; another process still holds it.`,
      'OAUTH_LOCK_TIMEOUT',
    );
    this.key = key;
    this.waitedMs = waitedMs;
  }
}

/** What an error message may say about the server: where it is and who logs in, never the password. */
export interface ServerIdentity {
  /** `host:port/database`, or a description when unknown (a pool passed in without options). */
  readonly where: string;
  readonly user: string | undefined;
  readonly table: string;
  /** The password and anything else no message may echo. */
  readonly secrets: readonly (string | undefined)[];
}

/** Server words are kept, but bounded: an error message is not a place for a 1 MB payload. */
const MAX_DETAIL = 300;

/** SQLSTATE classes and codes (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
const AUTH_FAILED = new Set(['28000', '28P01']);
const SCHEMA_MISSING = new Set(['42P01', '42703', '3F000']);
/** admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections, idle_session_timeout. */
const UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '53300', '57P05']);

/** An error from the server itself carries a five-character SQLSTATE; socket errors carry `E…` codes. */
function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function detail(error: unknown, secrets: readonly (string | undefined)[]): { cause: Error; text: string } {
  const cause = sanitizedCause(error, secrets);
  const message = cause.message || (cause as Error & { code?: string }).code || cause.name;
  const text = message.length > MAX_DETAIL ? `${message.slice(0, MAX_DETAIL)}…` : message;
  return { cause, text };
}

/**
 * Turns whatever `pg` threw into a `PostgresStoreError` whose message names the fix. `what` says
 * what the store was doing (`read the grant`, `take the refresh lock`).
 */
export function postgresFailure(error: unknown, what: string, server: ServerIdentity): OAuthError {
  if (error instanceof OAuthError) return error;
  const state = sqlState(error);
  const { cause, text } = detail(error, server.secrets);
  const options = { cause };
  if (state !== undefined && AUTH_FAILED.has(state)) {
    const user = server.user === undefined ? '' : ` as user ${JSON.stringify(server.user)}`;
    return new PostgresStoreError(
      `PostgreSQL at ${server.where} refused to log in${user} (${text}). Check the user and password of the connection string or pool; the password is not shown here.`,
      'OAUTH_POSTGRES_AUTH_FAILED',
      options,
    );
  }
  if (state !== undefined && SCHEMA_MISSING.has(state)) {
    return new PostgresStoreError(
      `The grants table ${server.table} is missing or has another shape in PostgreSQL at ${server.where} (${text}). Call \`await store.ensureSchema()\` once at startup, or create it with the SQL from \`postgresSchemaSql()\` (docs/stores.md).`,
      'OAUTH_POSTGRES_SCHEMA_MISSING',
      options,
    );
  }
  if (state === undefined || state.startsWith('08') || UNAVAILABLE.has(state)) {
    return new PostgresStoreError(
      `PostgreSQL at ${server.where} is unavailable, could not ${what}: ${text}. Calling again is safe once it is back.`,
      'OAUTH_POSTGRES_UNAVAILABLE',
      options,
    );
  }
  return new PostgresStoreError(
    `PostgreSQL at ${server.where} refused to ${what}: ${text}`,
    'OAUTH_POSTGRES_ERROR',
    options,
  );
}

/** Raised by the store's own deadlines; the same code as a socket error, as the fix is the same. */
export function postgresTimeout(what: string, ms: number, server: ServerIdentity): PostgresStoreError {
  return new PostgresStoreError(
    `PostgreSQL at ${server.where} did not answer within ${ms} ms, could not ${what}. Calling again is safe once it is back.`,
    'OAUTH_POSTGRES_UNAVAILABLE',
  );
}
