import { inspect } from 'node:util';
import { OAuthValidationError } from './errors.js';
import { maskToken } from './internal/redact.js';

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

  constructor(init: TokenSetInit) {
    this.accessToken = init.accessToken;
    this.refreshToken = init.refreshToken;
    this.tokenType = init.tokenType ?? 'Bearer';
    this.expiresIn = init.expiresIn;
    this.expiresAt = init.expiresAt;
    this.state = init.state;
    Object.freeze(this);
  }

  /**
   * True when the access token has expired, or will within `marginSeconds`. A token without a
   * known expiry is never reported expired: only the API's 401 can tell (see `invalidate()`).
   */
  isExpired(marginSeconds = 0, now: number = Date.now()): boolean {
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
      tokenType: text('tokenType', false),
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
