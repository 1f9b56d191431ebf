import { OAuthTokenResponseFromJSON } from '../generated/models/OAuthTokenResponse.js';
import { InvalidResponseError } from './errors.js';
import type { ResponseHeaders } from './internal/headers.js';
import { TokenSet } from './tokens.js';

function fail(reason: string, status: number, headers: ResponseHeaders): never {
  // The body itself is never quoted: a malformed token response may still hold a live token.
  throw new InvalidResponseError(`The token response ${reason}.`, status, headers);
}

/** A century: anything longer is not a token lifetime, and past ~270,000 years not even a Date. */
export const MAX_EXPIRES_IN_SECONDS = 100 * 365 * 24 * 60 * 60;

function readExpiresIn(value: unknown, status: number, headers: ResponseHeaders): number | undefined {
  if (value === undefined || value === null) return undefined;
  // The spec says integer seconds; a numeric string is tolerated, anything else is not a lifetime.
  const seconds = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    fail('has a non-numeric "expires_in"', status, headers);
  }
  if (seconds > MAX_EXPIRES_IN_SECONDS) fail('has an out-of-range "expires_in"', status, headers);
  return seconds;
}

/**
 * Turns a 2xx body into a `TokenSet`, or throws `InvalidResponseError`. `sentAt` anchors the
 * expiry; `previousRefreshToken` is kept when a refresh response carries no new one.
 */
export function tokenSetFromResponse(
  body: string,
  status: number,
  headers: ResponseHeaders,
  sentAt: number,
  previousRefreshToken?: string,
): TokenSet {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    fail('is not JSON', status, headers);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail('is not a JSON object', status, headers);
  const raw = json as Record<string, unknown>;
  const model = OAuthTokenResponseFromJSON(raw);
  if (typeof model.accessToken !== 'string' || model.accessToken === '') fail('lacks "access_token"', status, headers);
  const optionalText = (name: string, value: unknown): string | undefined => {
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') fail(`has a non-string "${name}"`, status, headers);
    return value;
  };
  const expiresIn = readExpiresIn(raw.expires_in, status, headers);
  const state = raw.state === null ? null : optionalText('state', model.state);
  return new TokenSet({
    accessToken: model.accessToken,
    refreshToken: optionalText('refresh_token', model.refreshToken) ?? previousRefreshToken,
    tokenType: optionalText('token_type', model.tokenType),
    expiresIn,
    expiresAt: expiresIn === undefined ? undefined : new Date(sentAt + expiresIn * 1000),
    state,
  });
}
