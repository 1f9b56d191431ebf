export type { ApiFetchInput } from './api/fetch.js';
export {
  type AuthorizeUrlParams,
  type ExchangeCodeParams,
  OAuthClient,
  type RefreshOptions,
  type TokenResponse,
} from './client.js';
export { ENV } from './env.js';
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
} from './errors.js';
export type { ResponseHeaders } from './internal/headers.js';
export type { Logger } from './logger.js';
export { TokenManager, type TokenManagerOptions } from './manager.js';
export type { OAuthClientOptions } from './options.js';
export { parseRateLimit, type RateLimit } from './rate-limit.js';
export { type SessionOptions, TokenSession } from './session.js';
export { MemoryTokenStore, type RefreshLease, type TokenStore } from './store.js';
export { TokenSet, type TokenSetInit, type TokenSetJSON } from './tokens.js';
export type { FetchInit, FetchLike, FetchResponseLike } from './transport.js';
export { VERSION } from './version.js';
