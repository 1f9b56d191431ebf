import { OAuthTokenResponseFromJSON } from '../../generated/models/OAuthTokenResponse.js';
import type { ResponseHeaders } from '../internal/headers.js';
import { InvalidResponseError } from './errors.js';

/** Appended to the message of an `InvalidResponseError` that holds the refresh token the response issued. */
export const KEPT_REFRESH_TOKEN_NOTE = '; the new refresh token it carried is kept (issuedRefreshToken())';

function fail(reason: string, status: number, headers: ResponseHeaders, issuedRefreshToken?: string): never {
  // The body itself is never quoted: a malformed token response may still hold a live token.
  const kept = issuedRefreshToken ? KEPT_REFRESH_TOKEN_NOTE : '';
  throw new InvalidResponseError(`The token response ${reason}${kept}.`, status, headers, issuedRefreshToken);
}

/** A century: anything longer is not a token lifetime, and past ~270,000 years not even a Date. */
export const MAX_EXPIRES_IN_SECONDS = 100 * 365 * 24 * 60 * 60;

function readExpiresIn(
  value: unknown,
  status: number,
  headers: ResponseHeaders,
  issued: string | undefined,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  // The spec says integer seconds; a numeric string is tolerated, anything else is not a lifetime.
  const seconds = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    fail('has a non-numeric "expires_in"', status, headers, issued);
  }
  if (seconds > MAX_EXPIRES_IN_SECONDS) fail('has an out-of-range "expires_in"', status, headers, issued);
  return seconds;
}

/** An optional text field of the response: absent, null and '' read as undefined; anything else must be a string. */
function optionalText(
  name: string,
  value: unknown,
  status: number,
  headers: ResponseHeaders,
  issued: string | undefined,
): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') fail(`has a non-string "${name}"`, status, headers, issued);
  return value;
}

/**
 * What a 2xx token response holds, checked: `new TokenSet(fields)` takes it. Plain data, so this
 * module needs nothing of tokens.ts, which reads `oauth_data` with it.
 */
export interface TokenResponseFields {
  /** The bearer token. */
  accessToken: string;
  /** The new refresh token, or the previous one when the response carried none. */
  refreshToken: string | undefined;
  /** The token type as the server gave it. */
  tokenType: string | undefined;
  /** Lifetime in seconds. */
  expiresIn: number | undefined;
  /** `sentAt` plus the lifetime. */
  expiresAt: Date | undefined;
  /** The `state` echoed by a code exchange. */
  state: string | null | undefined;
}

/**
 * Reads a 2xx body into the fields of a `TokenSet`, or throws `InvalidResponseError`. `sentAt`
 * anchors the expiry; `previousRefreshToken` is kept when a refresh response carries no new one.
 */
export function tokenFieldsFromResponse(
  body: string,
  status: number,
  headers: ResponseHeaders,
  sentAt: number,
  previousRefreshToken?: string,
): TokenResponseFields {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    fail('is not JSON', status, headers);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('is not a JSON object', status, headers);
  const raw = json as Record<string, unknown>;
  // From here on a failure carries any refresh token the server issued: with rotation, it may be
  // the only valid one left, so it must not be dropped with the rest of the response.
  const issued = typeof raw.refresh_token === 'string' && raw.refresh_token !== '' ? raw.refresh_token : undefined;
  // Module-level helpers, not closures: the CJS build's keepNames wraps each named closure in a
  // `__name` call (an Object.defineProperty, ~1 µs) every time it is created, i.e. on every call.
  const model = OAuthTokenResponseFromJSON(raw);
  if (typeof model.accessToken !== 'string' || model.accessToken === '') {
    fail('lacks "access_token"', status, headers, issued);
  }
  const expiresIn = readExpiresIn(raw.expires_in, status, headers, issued);
  const state = raw.state === null ? null : optionalText('state', model.state, status, headers, issued);
  return {
    accessToken: model.accessToken,
    refreshToken: optionalText('refresh_token', model.refreshToken, status, headers, issued) ?? previousRefreshToken,
    tokenType: optionalText('token_type', model.tokenType, status, headers, issued),
    expiresIn,
    expiresAt: expiresIn === undefined ? undefined : new Date(sentAt + expiresIn * 1000),
    state,
  };
}
