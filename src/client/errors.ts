import type { ResponseHeaders } from '../internal/headers.js';
import { boundedServerText, longestSecret, MAX_MESSAGE_LENGTH, scrubbedPrefix, visibleText } from '../internal/text.js';
import { OAuthError, OAuthValidationError } from './oauth-error.js';
import { parseRateLimit, parseRetryAfter, type RateLimit } from './rate-limit.js';

export { OAuthError, OAuthValidationError } from './oauth-error.js';

/** The `state` from the callback is not the one this flow started with: a possible CSRF. */
export class StateMismatchError extends OAuthValidationError {
  constructor() {
    super(
      'The OAuth callback state does not match the expected state; refusing to exchange the code.',
      'OAUTH_STATE_MISMATCH',
    );
  }
}

/** The server answered 2xx but not with usable tokens. */
export class InvalidResponseError extends OAuthError {
  /** The HTTP status (2xx). */
  readonly status: number;
  /** The response headers, lower-case names, scrubbed of secrets. */
  readonly headers: ResponseHeaders;
  // Private and read through a method, not a getter: no inspect option, JSON or log serializer prints it.
  readonly #issuedRefreshToken: string | undefined;

  constructor(message: string, status: number, headers: ResponseHeaders, issuedRefreshToken?: string) {
    super(message, 'OAUTH_INVALID_RESPONSE');
    this.status = status;
    this.headers = headers;
    this.#issuedRefreshToken = issuedRefreshToken;
  }

  /**
   * The refresh token the rejected response carried anyway, if any. With rotation the old one may
   * already be dead, so this one must be kept: `TokenManager` stores it before throwing.
   */
  issuedRefreshToken(): string | undefined {
    return this.#issuedRefreshToken;
  }
}

/** The request failed on the network: refused, reset, DNS, or a body cut short. */
export class OAuthConnectionError extends OAuthError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options?.code ?? 'OAUTH_CONNECTION_ERROR', options);
  }
}

/** No complete answer within `timeoutMs`. The server may have acted, so it is never retried. */
export class OAuthTimeoutError extends OAuthConnectionError {
  /** The `timeoutMs` option that ran out. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`No complete response within ${timeoutMs} ms.`, { code: 'OAUTH_TIMEOUT' });
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's `AbortSignal` fired. */
export class OAuthAbortError extends OAuthError {
  constructor() {
    super('The request was aborted by the caller.', 'OAUTH_ABORTED');
  }
}

/** Error codes meaning the code or refresh token is dead: only a new consent helps. */
const REAUTHORIZATION_CODES = new Set(['invalid_grant', 'invalid_token', 'expired_token', 'token_expired']);

/** What an `OAuthApiError` is built from; exported so tests can build the errors they expect. */
export interface OAuthApiErrorInit {
  /** The HTTP status. */
  status: number;
  /** The response headers, lower-case names. */
  headers: ResponseHeaders;
  /** The server's error code (`error_name` or RFC 6749 `error`), if the body had one. */
  serverCode?: string;
  /** The server's description, already scrubbed of secrets. */
  description?: string;
  /** The request field the error is about (`error_path`). */
  path?: string;
  /** `Retry-After`, in milliseconds. */
  retryAfterMs?: number;
}

/** The server answered with a non-2xx status. Carries the server's own words. */
export class OAuthApiError extends OAuthError {
  /** The HTTP status. */
  readonly status: number;
  /** The server's description (`error_msg` or `error_description`), or an excerpt of a non-JSON body. */
  readonly description: string | undefined;
  /** The request field the error is about (`error_path`), when the server named one. */
  readonly path: string | undefined;
  /** The response headers, lower-case names, scrubbed of secrets. */
  readonly headers: ResponseHeaders;
  /** The rate-limit window the response reported, if it carried the headers. */
  readonly rateLimit: RateLimit | undefined;
  /** True when the code or refresh token is no longer valid: send the user back to consent. */
  readonly requiresReauthorization: boolean;

  constructor(init: OAuthApiErrorInit) {
    if (init === null || typeof init !== 'object' || typeof init.status !== 'number' || !init.headers) {
      throw new OAuthValidationError('OAuthApiError needs { status, headers } (see OAuthApiErrorInit).');
    }
    const code = init.serverCode ?? `http_${init.status}`;
    const detail = init.description ? `: ${init.description}` : '';
    const message = `Dropbox Sign OAuth request failed with ${init.status} ${code}${detail}`;
    super(boundedServerText(message, [], MAX_MESSAGE_LENGTH), code);
    this.status = init.status;
    this.description = init.description;
    this.path = init.path;
    this.headers = init.headers;
    this.rateLimit = parseRateLimit(init.headers);
    this.requiresReauthorization =
      (init.status === 400 || init.status === 401) && REAUTHORIZATION_CODES.has(init.serverCode ?? '');
  }
}

/** 400: the request was refused; `code` is usually `invalid_grant` or `invalid_request`. */
export class BadRequestError extends OAuthApiError {}
/** 401: the client credentials (or the token) were not accepted. */
export class AuthenticationError extends OAuthApiError {}
/** 402: the account's plan does not allow this. */
export class PaymentRequiredError extends OAuthApiError {}
/** 403: the app may not do this. */
export class PermissionDeniedError extends OAuthApiError {}
/** 404: wrong host or path (check `baseUrl`). */
export class NotFoundError extends OAuthApiError {}
/** 5xx: the server failed; never retried unless a 503 carries `Retry-After`. */
export class InternalServerError extends OAuthApiError {}

/** 429: slow down. `retryAfterMs` is the server's `Retry-After`, when it sent one. */
export class RateLimitError extends OAuthApiError {
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(init: OAuthApiErrorInit) {
    super(init);
    this.retryAfterMs = init.retryAfterMs;
  }
}

const EXCERPT_LENGTH = 200;
/** A server's error code or field path longer than this is not one; cut like a message. */
const MAX_CODE_LENGTH = 256;

/** The readable text of a non-JSON body (an HTML error page): cut, then scrubbed, in linear time. */
function excerpt(body: string, secrets: readonly (string | undefined)[]): string | undefined {
  const { text, complete } = visibleText(body, EXCERPT_LENGTH + longestSecret(secrets));
  return text ? scrubbedPrefix(text, secrets, EXCERPT_LENGTH, '…', complete) : undefined;
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Reads either error shape: Dropbox Sign's `{error: {error_name, error_msg}}` or RFC 6749 §5.2. */
function readErrorBody(
  body: string,
  secrets: readonly (string | undefined)[],
): Pick<OAuthApiErrorInit, 'serverCode' | 'description' | 'path'> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { description: excerpt(body, secrets) };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { description: excerpt(body, secrets) };
  const error = (json as Record<string, unknown>).error;
  if (error !== null && typeof error === 'object' && !Array.isArray(error)) {
    const dropbox = error as Record<string, unknown>;
    return {
      serverCode: stringField(dropbox.error_name),
      description: stringField(dropbox.error_msg),
      path: stringField(dropbox.error_path),
    };
  }
  const rfc = json as Record<string, unknown>;
  return { serverCode: stringField(rfc.error), description: stringField(rfc.error_description) };
}

/**
 * The one place a non-2xx response becomes an error: picks the class by status and fills it with
 * the server's words, scrubbed of the secrets this request carried. `headers` come from the
 * transport, which has already scrubbed them.
 */
export function apiErrorFromResponse(
  status: number,
  headers: ResponseHeaders,
  body: string,
  secrets: readonly (string | undefined)[],
  now: number,
): OAuthApiError {
  const parsed = readErrorBody(body, secrets);
  const clean = (text: string | undefined, maxLength: number) =>
    text === undefined ? undefined : boundedServerText(text, secrets, maxLength);
  const init: OAuthApiErrorInit = {
    status,
    headers,
    serverCode: clean(parsed.serverCode, MAX_CODE_LENGTH),
    description: clean(parsed.description, MAX_MESSAGE_LENGTH),
    path: clean(parsed.path, MAX_CODE_LENGTH),
    retryAfterMs: parseRetryAfter(headers['retry-after'], now),
  };
  if (status === 400) return new BadRequestError(init);
  if (status === 401) return new AuthenticationError(init);
  if (status === 402) return new PaymentRequiredError(init);
  if (status === 403) return new PermissionDeniedError(init);
  if (status === 404) return new NotFoundError(init);
  if (status === 429) return new RateLimitError(init);
  if (status >= 500) return new InternalServerError(init);
  return new OAuthApiError(init);
}

export { sanitizedCause } from '../internal/sanitized-cause.js';

/** A `TokenManager` has no tokens under this key: set them first (`setTokens`). */
export class TokenNotFoundError extends OAuthError {
  /** The key that holds no tokens. */
  readonly key: string;

  constructor(key: string) {
    super(`No tokens are stored under key ${JSON.stringify(key)}.`, 'OAUTH_NO_TOKENS');
    this.key = key;
  }
}

/**
 * Fresh tokens were obtained but the store or `onTokens` failed to take them. They are kept in
 * memory (they are the only valid ones now) and the next call persists them without refreshing.
 */
export class TokenPersistError extends OAuthError {
  constructor(cause: Error) {
    super(
      'Refreshed tokens could not be persisted; they are kept in memory and will be persisted on the next call.',
      'OAUTH_PERSIST_FAILED',
      { cause },
    );
  }
}
