/**
 * Every `code` this package's own errors carry. An `OAuthApiError` carries the server's code
 * instead (`invalid_grant`, `http_503`, …), kept apart so "our code" and "the server's code" are
 * never confused. Switch on these, not on messages; they never change within a major version.
 */
export const OAUTH_ERROR_CODES = [
  /** `OAuthValidationError`: an argument or option is missing or makes no sense. */
  'OAUTH_INVALID_INPUT',
  /** `OAuthValidationError` from `fromEnv`: a required environment variable is not set. */
  'OAUTH_MISSING_ENV',
  /** `StateMismatchError`: the callback's `state` is not the one the flow started with. */
  'OAUTH_STATE_MISMATCH',
  /** `InvalidResponseError`: a 2xx that holds no usable tokens, or a body over the size cap. */
  'OAUTH_INVALID_RESPONSE',
  /** `OAuthConnectionError`: refused, reset, DNS failure, or a body cut short. */
  'OAUTH_CONNECTION_ERROR',
  /** `OAuthTimeoutError`: no complete answer within `timeoutMs`. */
  'OAUTH_TIMEOUT',
  /** `OAuthAbortError`: the caller's `AbortSignal` fired. */
  'OAUTH_ABORTED',
  /** `TokenNotFoundError`: a `TokenManager` holds no tokens under the key. */
  'OAUTH_NO_TOKENS',
  /** `OAuthError` from a `TokenManager`: the access token needs refreshing but the grant has no refresh token. */
  'OAUTH_NO_REFRESH_TOKEN',
  /** `TokenPersistError`: fresh tokens could not be stored; they are kept in memory. */
  'OAUTH_PERSIST_FAILED',
  /** A generated-code assumption broke after a generator change (docs/upgrading-the-generator.md). */
  'OAUTH_GENERATED_SEAM',
  /** `RedisStoreError` (`hellosign-oauth/redis`): Redis cannot be reached. */
  'OAUTH_REDIS_UNAVAILABLE',
  /** `RedisStoreError`: Redis answered with an error reply. */
  'OAUTH_REDIS_ERROR',
  /** `RedisStoreError`: the store was used after `close()`. */
  'OAUTH_REDIS_CLOSED',
  /** `RedisStoreError`: a stored value is not a token set this package wrote. */
  'OAUTH_REDIS_BAD_VALUE',
  /** `RedisStoreError` subclass: the refresh lock was not acquired in time. */
  'OAUTH_LOCK_TIMEOUT',
  /** `RedisAuthError` (`hellosign-oauth/redis`): Redis refused the credentials (`WRONGPASS`, `NOAUTH`). */
  'OAUTH_REDIS_AUTH_FAILED',
  /** `LockLostError`: the refresh lock was lost or may have lapsed mid-refresh; nothing more was sent. */
  'OAUTH_LOCK_LOST',
  /** `OAuthError`: another process stored a newer refresh token before this refresh was sent; nothing was sent. */
  'OAUTH_REFRESH_TOKEN_REPLACED',
  /** `PostgresStoreError` (`hellosign-oauth/postgres`): PostgreSQL cannot be reached. */
  'OAUTH_POSTGRES_UNAVAILABLE',
  /** `PostgresStoreError`: PostgreSQL refused the credentials. */
  'OAUTH_POSTGRES_AUTH_FAILED',
  /** `PostgresStoreError`: the grants table does not exist; the message says to run `ensureSchema()`. */
  'OAUTH_POSTGRES_SCHEMA_MISSING',
  /** `PostgresStoreError`: PostgreSQL answered with another error. */
  'OAUTH_POSTGRES_ERROR',
  /** `PostgresStoreError`: a stored row is not a token set this package wrote. */
  'OAUTH_POSTGRES_BAD_VALUE',
  /** `PostgresStoreError`: the store was used after `close()`. */
  'OAUTH_POSTGRES_CLOSED',
  /** `hellosign-oauth/encryption`: a stored value names a key id the store was not given. */
  'OAUTH_ENCRYPTION_KEY_MISSING',
  /** `hellosign-oauth/encryption`: a stored value fails authentication (tampered, or copied from another grant). */
  'OAUTH_DECRYPTION_FAILED',
  /** `hellosign-oauth/encryption`: a stored value is in clear and `readPlaintext` is off. */
  'OAUTH_NOT_ENCRYPTED',
  /** `OAuthProxyError`: the proxy refused (407, 403), failed or could not be reached; names the proxy, never its credentials. */
  'OAUTH_PROXY_ERROR',
  /** `OAuthValidationError` from `fetch`: a URL whose origin is not `apiBaseUrl`'s; nothing was sent. */
  'OAUTH_FOREIGN_ORIGIN',
  /** `OAuthConnectionError` from `fetch`: a redirect with `redirect: 'error'`, or too many redirects. */
  'OAUTH_REDIRECT',
] as const;

/** The union of `OAUTH_ERROR_CODES`: what `OAuthError.code` holds on any error but `OAuthApiError`. */
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];
