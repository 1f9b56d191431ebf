// The base classes live apart from errors.ts so that what errors.ts builds on (rate-limit parsing,
// validation helpers) can throw them without importing errors.ts back.

/** Shared by every copy of the package in a process (ESM and CJS), unlike the classes themselves. */
const OAUTH_ERROR_BRAND: unique symbol = Symbol.for('hellosign-oauth.error');

/**
 * The base of every error this package throws. Switch on `code` (stable data), not on `message`.
 * No error ever holds the client secret, a code, or a token. To test for it across the ESM and CJS
 * copies of the package, use `isOAuthError` rather than `instanceof`.
 */
export class OAuthError extends Error {
  /** A stable, machine-readable code: the server's error code, or one of this package's (`OAuthErrorCode`). */
  readonly code: string;

  /** The brand `isOAuthError` reads; `true` on every error of every copy of this package. */
  get [OAUTH_ERROR_BRAND](): true {
    return true;
  }

  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Thrown before any request when an argument or option is missing or makes no sense. */
export class OAuthValidationError extends OAuthError {
  constructor(message: string, code = 'OAUTH_INVALID_INPUT') {
    super(message, code);
  }
}
