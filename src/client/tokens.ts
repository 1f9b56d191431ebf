import { maskToken } from '../internal/redact.js';
import { inspect, types } from '../internal/runtime.js';
import { InvalidResponseError, OAuthValidationError } from './errors.js';
import { KEPT_REFRESH_TOKEN_NOTE, tokenFieldsFromResponse } from './token-response.js';

/** The JSON form of a `TokenSet`: what `JSON.stringify(tokens)` writes and `TokenSet.fromJSON` reads. */
export interface TokenSetJSON {
  /** The bearer token for the Dropbox Sign API. */
  accessToken: string;
  /** The token that obtains a new access token. */
  refreshToken?: string;
  /** The token type, `Bearer`. */
  tokenType: string;
  /** Lifetime in seconds as the server gave it. */
  expiresIn?: number;
  /** ISO 8601. */
  expiresAt?: string;
  /** The `state` echoed by a code exchange. */
  state?: string | null;
}

/** What `new TokenSet(init)` takes; only `accessToken` is required. */
export interface TokenSetInit {
  /** The bearer token for the Dropbox Sign API. */
  accessToken: string;
  /** The token that obtains a new access token. */
  refreshToken?: string;
  /** The token type; default `Bearer`. */
  tokenType?: string;
  /** Lifetime in seconds as the server gave it. */
  expiresIn?: number;
  /** When the access token expires. */
  expiresAt?: Date;
  /** The `state` echoed by a code exchange. */
  state?: string | null;
}

function invalid(field: string, rule: string): never {
  throw new OAuthValidationError(`TokenSet ${field} must be ${rule}.`);
}

/** A module-level function, not a closure in validateInit: see tokenFieldsFromResponse on `__name`. */
function optionalText(value: unknown, field: string): void {
  if (value !== undefined && (typeof value !== 'string' || value === '')) {
    invalid(field, 'a non-empty string when given');
  }
}

/** Checks what a `TokenSet` is built from, so a bad value fails here, named, not later as a TypeError or RangeError. */
function validateInit(init: unknown): void {
  if (init === null || typeof init !== 'object') invalid('init', 'an object ({ accessToken, … })');
  const { accessToken, refreshToken, tokenType, expiresIn, expiresAt, state } = init as Record<string, unknown>;
  if (typeof accessToken !== 'string' || accessToken === '') invalid('accessToken', 'a non-empty string');
  optionalText(refreshToken, 'refreshToken');
  optionalText(tokenType, 'tokenType');
  if (expiresIn !== undefined && (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn < 0)) {
    invalid('expiresIn', 'a non-negative finite number of seconds when given');
  }
  // types.isDate, not instanceof: a Date from another realm (a vm, a worker's message) is a Date too.
  // Date.prototype.getTime, not the value's own: a subclass may override it and hide an invalid date.
  if (expiresAt !== undefined && (!types.isDate(expiresAt) || Number.isNaN(Date.prototype.getTime.call(expiresAt)))) {
    invalid('expiresAt', 'a valid Date when given (use TokenSet.fromJSON for an ISO string)');
  }
  if (state !== undefined && state !== null && typeof state !== 'string') invalid('state', 'a string or null');
}

function requireFinite(value: unknown, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new OAuthValidationError(`${name} must be a finite number.`);
  }
}

/**
 * Tokens for one grant. Prints redacted (`console.log`, `util.inspect`, `String()`), but
 * `JSON.stringify` keeps every value so it can be stored; `TokenSet.fromJSON` reads it back.
 */
export class TokenSet {
  /** The bearer token: send it as `Authorization: Bearer …`. */
  readonly accessToken: string;
  /** The token that obtains a new access token; kept across refreshes that return none. */
  readonly refreshToken: string | undefined;
  /** The token type, `Bearer`. */
  readonly tokenType: string;
  /** Lifetime in seconds as the server gave it. */
  readonly expiresIn: number | undefined;
  /** When the access token expires, counted from when the request was sent. */
  readonly expiresAt: Date | undefined;
  /** The `state` echoed by a code exchange; absent after a refresh. */
  readonly state: string | null | undefined;

  /** Throws `OAuthValidationError`, naming the field, for a value that is not what its type says. */
  constructor(init: TokenSetInit) {
    validateInit(init);
    this.accessToken = init.accessToken;
    this.refreshToken = init.refreshToken;
    this.tokenType = init.tokenType ?? 'Bearer';
    this.expiresIn = init.expiresIn;
    // A copy: the caller's Date stays theirs to change, and a change must not make this one invalid.
    this.expiresAt = init.expiresAt === undefined ? undefined : new Date(Date.prototype.getTime.call(init.expiresAt));
    this.state = init.state;
    Object.freeze(this);
  }

  /**
   * True when the access token has expired, or will within `marginSeconds`. A token without a
   * known expiry is never reported expired: only the API's 401 can tell (see `invalidate()`).
   */
  isExpired(marginSeconds = 0, now: number = Date.now()): boolean {
    requireFinite(marginSeconds, 'marginSeconds');
    requireFinite(now, 'now');
    if (this.expiresAt === undefined) return false;
    return this.expiresAt.getTime() - marginSeconds * 1000 <= now;
  }

  /** Every value in full, for storage: `TokenSet.fromJSON` reads it back. */
  toJSON(): TokenSetJSON {
    return {
      accessToken: this.accessToken,
      refreshToken: this.refreshToken,
      tokenType: this.tokenType,
      expiresIn: this.expiresIn,
      expiresAt: this.expiresAt?.toISOString(),
      state: this.state,
    };
  }

  /** The token type and expiry, never a token. */
  toString(): string {
    return `TokenSet(${this.tokenType}, expiresAt=${this.expiresAt?.toISOString() ?? 'unknown'})`;
  }

  /** Tokens masked (first four characters, then `[redacted]`). */
  [inspect.custom](): object {
    return {
      accessToken: maskToken(this.accessToken),
      refreshToken: maskToken(this.refreshToken),
      tokenType: this.tokenType,
      expiresIn: this.expiresIn,
      expiresAt: this.expiresAt,
      state: this.state,
    };
  }

  /**
   * Reads the `oauth_data` that `POST /v3/account/create` answers when called with your app's
   * `client_id` and `client_secret` (pass that object or the whole response). `receivedAt` (ms since
   * the epoch, default now) anchors `expires_in`. Caveat: these tokens work only once the new user
   * has confirmed their account by email; until then the API answers 401, so keep the refresh token.
   * Throws `OAuthValidationError` when the data has no usable access token.
   */
  static fromOAuthData(data: unknown, receivedAt: number = Date.now()): TokenSet {
    // expires_in is added to it: a string would be concatenated into a wrong date, not refused.
    requireFinite(receivedAt, 'receivedAt');
    const holder = data as { oauth_data?: unknown } | null;
    const oauthData =
      holder !== null && typeof holder === 'object' && 'oauth_data' in holder ? holder.oauth_data : data;
    if (oauthData === null || typeof oauthData !== 'object' || Array.isArray(oauthData)) {
      throw new OAuthValidationError('oauth_data must be an object (from POST /v3/account/create).');
    }
    let json: string;
    try {
      json = JSON.stringify(oauthData);
    } catch {
      // A BigInt or a cycle: not data a response could have carried, and JSON.stringify's TypeError is not ours.
      throw new OAuthValidationError('oauth_data must be plain JSON data (no BigInt, no cycle).');
    }
    try {
      return new TokenSet(tokenFieldsFromResponse(json, 200, {}, receivedAt));
    } catch (error) {
      if (!(error instanceof InvalidResponseError)) throw error;
      // The caller still holds oauth_data, refresh token included; this error has no issuedRefreshToken().
      const message = error.message.replace('The token response', 'oauth_data').replace(KEPT_REFRESH_TOKEN_NOTE, '');
      throw new OAuthValidationError(message);
    }
  }

  /** Reads a `TokenSet` back from its JSON form (an object or a JSON string). */
  static fromJSON(json: TokenSetJSON | string): TokenSet {
    let value: unknown = json;
    if (typeof json === 'string') {
      try {
        value = JSON.parse(json);
      } catch {
        throw new OAuthValidationError('Token JSON is not valid JSON.');
      }
    }
    if (value === null || typeof value !== 'object') throw new OAuthValidationError('Token JSON must be an object.');
    const v = value as Record<string, unknown>;
    const text = (name: string, required: boolean): string | undefined => {
      const field = v[name];
      if (field === undefined || field === null) {
        if (required) throw new OAuthValidationError(`Token JSON lacks "${name}".`);
        return undefined;
      }
      if (typeof field !== 'string' || (required && field === '')) {
        throw new OAuthValidationError(`Token JSON field "${name}" must be a non-empty string.`);
      }
      return field;
    };
    const expiresIn = v.expiresIn;
    if (
      expiresIn !== undefined &&
      expiresIn !== null &&
      (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn))
    ) {
      throw new OAuthValidationError('Token JSON field "expiresIn" must be a number.');
    }
    const expiresAtText = text('expiresAt', false);
    const expiresAt = expiresAtText === undefined ? undefined : new Date(expiresAtText);
    if (expiresAt && Number.isNaN(expiresAt.getTime())) {
      throw new OAuthValidationError('Token JSON field "expiresAt" must be an ISO 8601 date.');
    }
    const state = v.state;
    if (state !== undefined && state !== null && typeof state !== 'string') {
      throw new OAuthValidationError('Token JSON field "state" must be a string or null.');
    }
    return new TokenSet({
      accessToken: text('accessToken', true) as string,
      refreshToken: text('refreshToken', false) || undefined,
      tokenType: text('tokenType', false) || undefined,
      expiresIn: typeof expiresIn === 'number' ? expiresIn : undefined,
      expiresAt,
      state: state as string | null | undefined,
    });
  }
}

/** Accepts a `TokenSet` or its JSON form and returns a `TokenSet`. */
export function toTokenSet(tokens: TokenSet | TokenSetJSON | string): TokenSet {
  return tokens instanceof TokenSet ? tokens : TokenSet.fromJSON(tokens);
}
