export type { ApiFetchInput } from './api/fetch.js';
export {
  type AuthorizeUrlParams,
  type ExchangeCodeParams,
  OAuthClient,
  type TokenResponse,
} from './client/client.js';
export { ENV } from './client/env.js';
export { OAUTH_ERROR_CODES, type OAuthErrorCode } from './client/error-codes.js';
export { isOAuthApiError, isOAuthError } from './client/error-guards.js';
export {
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  InvalidResponseError,
  NotFoundError,
  OAuthAbortError,
  OAuthApiError,
  type OAuthApiErrorInit,
  OAuthConnectionError,
  OAuthError,
  OAuthTimeoutError,
  OAuthValidationError,
  PaymentRequiredError,
  PermissionDeniedError,
  RateLimitError,
  StateMismatchError,
  TokenNotFoundError,
  TokenPersistError,
} from './client/errors.js';
export type { Logger } from './client/logger.js';
export type { OAuthClientOptions } from './client/options.js';
export { OAuthProxyError } from './client/proxy-error.js';
export { parseRateLimit, type RateLimit } from './client/rate-limit.js';
export { TokenSet, type TokenSetInit, type TokenSetJSON } from './client/tokens.js';
export type { FetchInit, FetchLike, FetchResponseLike } from './client/transport.js';
export {
  type AttemptMessage,
  DIAGNOSTICS_CHANNELS,
  type LockWaitMessage,
  type RateLimitMessage,
  type ReauthorizationMessage,
  type SessionRefreshMessage,
  type TokenOperation,
  type TokenRequestMessage,
} from './diagnostics/channels.js';
export type { ResponseHeaders } from './internal/headers.js';
export { TokenManager, type TokenManagerOptions } from './session/manager.js';
export type { RefreshOptions, TokenRefresher } from './session/refresher.js';
export { type SessionOptions, TokenSession } from './session/session.js';
export { MemoryTokenStore, type RefreshLease, type TokenStore } from './session/store.js';
export { VERSION } from './version.js';
