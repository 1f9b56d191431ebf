import { OAuthError } from '../errors.js';

/**
 * `RedisTokenStore` could not do its work: Redis is unreachable, did not answer in time, answered
 * with an error, or the store was closed. Switch on `code`:
 * `OAUTH_REDIS_UNAVAILABLE`, `OAUTH_REDIS_ERROR`, `OAUTH_REDIS_BAD_VALUE`, `OAUTH_REDIS_CLOSED`,
 * `OAUTH_LOCK_TIMEOUT`. Never carries a token or the connection password.
 */
export class RedisStoreError extends OAuthError {}

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
