import type { OAuthErrorCode } from './error-codes.js';
import type { OAuthApiError, OAuthError } from './errors.js';

// The same key as the getter on OAuthError: Symbol.for makes it one symbol across module copies.
const BRAND = Symbol.for('hellosign-oauth.error');

/**
 * True when `value` is an error thrown by this package, from any copy of it in the process (the
 * ESM and the CJS build each have their own classes, so `instanceof` can say no). With `code`,
 * true only for that code: `isOAuthError(error, 'OAUTH_TIMEOUT')`.
 */
export function isOAuthError(value: unknown): value is OAuthError;
/** True when `value` is an error of this package, from any copy of it, carrying `code`. */
export function isOAuthError<C extends OAuthErrorCode>(value: unknown, code: C): value is OAuthError & { code: C };
export function isOAuthError(value: unknown, code?: OAuthErrorCode): value is OAuthError {
  if (typeof value !== 'object' || value === null) return false;
  if ((value as { [BRAND]?: unknown })[BRAND] !== true) return false;
  return code === undefined || (value as { code?: unknown }).code === code;
}

/**
 * True when `value` is an `OAuthApiError` (the server answered non-2xx) from any copy of this
 * package; its `code` is then the server's, and `status` and `requiresReauthorization` are set.
 */
export function isOAuthApiError(value: unknown): value is OAuthApiError {
  return (
    isOAuthError(value) &&
    typeof (value as Partial<OAuthApiError>).status === 'number' &&
    typeof (value as Partial<OAuthApiError>).requiresReauthorization === 'boolean'
  );
}
