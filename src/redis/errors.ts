import { OAuthError } from '../client/errors.js';

/**
 * `RedisTokenStore` could not do its work: Redis is unreachable, did not answer in time, answered
 * with an error, or the store was closed. Switch on `code`:
 * `OAUTH_REDIS_UNAVAILABLE`, `OAUTH_REDIS_AUTH_FAILED` (`RedisAuthError`), `OAUTH_REDIS_ERROR`, `OAUTH_REDIS_BAD_VALUE`, `OAUTH_REDIS_CLOSED`,
 * `OAUTH_LOCK_TIMEOUT`, `OAUTH_LOCK_LOST` (`LockLostError`). Never carries a token or the connection password.
 */
export class RedisStoreError extends OAuthError {}

/**
 * Redis refused the credentials: a wrong password or user (`WRONGPASS`), or none given to a server
 * that needs one (`NOAUTH`). Unlike `OAUTH_REDIS_UNAVAILABLE`, waiting will not help: fix the URL's
 * `user:password@` (or the client's auth settings). Code `OAUTH_REDIS_AUTH_FAILED`; `cause` holds
 * Redis's own reply.
 */
export class RedisAuthError extends RedisStoreError {
  constructor(cause: Error) {
    super(`Redis refused the credentials: ${cause.message}`, 'OAUTH_REDIS_AUTH_FAILED', { cause });
  }
}

/**
 * Another process held this grant's refresh lock for longer than `lockWaitMs`. Nothing was sent
 * to the token endpoint; calling again is safe.
 */
export class LockTimeoutError extends RedisStoreError {
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

/**
 * This process's refresh lock lapsed or was taken by another process while it was refreshing, so
 * the refresh was stopped: before a request when a confirmation found it lost, or mid-request when
 * an extension did (code `OAUTH_LOCK_LOST`). Calling again is safe: it waits for the lock anew and
 * finds whatever the new holder stored. See docs/stores.md, "Refresh-token reuse window".
 */
export class LockLostError extends RedisStoreError {
  /** The grant whose lock was lost. */
  readonly key: string;

  constructor(key: string, how: string) {
    super(
      `The refresh lock of key ${JSON.stringify(key)} was lost (${how}); the refresh was stopped so that two processes do not send one refresh token.`,
      'OAUTH_LOCK_LOST',
    );
    this.key = key;
  }
}
