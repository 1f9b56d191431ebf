import { randomBytes } from 'node:crypto';

/** A token response body exactly as the spec's `OAuthTokenResponse` spells it. */
export interface MockTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  refresh_token: string;
  expires_in: number;
  state?: string;
}

interface CodeRecord {
  clientId: string;
  state: string | undefined;
  expiresAt: number;
}

interface AccessRecord {
  clientId: string;
  expiresAt: number;
  /** The grant (consent) this token belongs to; it survives refreshes and rotations. */
  grant: string;
  revoked?: boolean;
}

/** What the REST API would make of an access token. */
export type AccessTokenStatus = 'active' | 'unknown' | 'expired' | 'revoked';

export interface GrantPolicy {
  now: () => number;
  accessTokenTtlSeconds: number;
  codeTtlSeconds: number;
  rotateRefreshTokens: boolean;
}

/** Why a code was refused; each becomes an RFC 6749 `invalid_grant` with its own description. */
export type CodeRejection = 'unknown' | 'expired' | 'other-client' | 'state-mismatch';

function token(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * The mock server's memory: authorization codes (single-use), access tokens (with expiry) and
 * refresh tokens (rotated or kept, by policy).
 */
export class GrantStore {
  readonly #codes = new Map<string, CodeRecord>();
  readonly #access = new Map<string, AccessRecord>();
  /** Refresh token → client id. */
  readonly #refresh = new Map<string, string>();
  /** Refresh token → the grant it belongs to. */
  readonly #grantOf = new Map<string, string>();
  readonly #policy: GrantPolicy;

  constructor(policy: GrantPolicy) {
    this.#policy = policy;
  }

  issueCode(clientId: string, state: string | undefined): string {
    const code = randomBytes(8).toString('hex');
    this.#codes.set(code, { clientId, state, expiresAt: this.#policy.now() + this.#policy.codeTtlSeconds * 1000 });
    return code;
  }

  /** Redeems a code. A code presented once is gone, whether or not the exchange succeeds (RFC 6749 §4.1.2). */
  redeemCode(code: string, clientId: string, state: string): MockTokenResponse | CodeRejection {
    const record = this.#codes.get(code);
    if (!record) return 'unknown';
    this.#codes.delete(code);
    if (record.expiresAt <= this.#policy.now()) return 'expired';
    if (record.clientId !== clientId) return 'other-client';
    if (record.state !== undefined && record.state !== state) return 'state-mismatch';
    return { ...this.issueTokens(clientId), state };
  }

  /** Trades a refresh token for a new access token; `undefined` when it is unknown, revoked or another client's. */
  refresh(refreshToken: string, clientId: string | undefined): MockTokenResponse | undefined {
    const owner = this.#refresh.get(refreshToken);
    if (owner === undefined || (clientId !== undefined && owner !== clientId)) return undefined;
    const grant = this.#grantOf.get(refreshToken) as string;
    if (!this.#policy.rotateRefreshTokens) {
      return { ...this.#accessToken(owner, grant), refresh_token: refreshToken };
    }
    this.#refresh.delete(refreshToken);
    this.#grantOf.delete(refreshToken);
    return this.issueTokens(owner, grant);
  }

  /** A new grant (or, with `grant`, a rotation of one): an access token and a refresh token. */
  issueTokens(clientId: string, grant: string = token(12)): MockTokenResponse {
    const refreshToken = token(32);
    this.#refresh.set(refreshToken, clientId);
    this.#grantOf.set(refreshToken, grant);
    return { ...this.#accessToken(clientId, grant), refresh_token: refreshToken };
  }

  revokeRefreshToken(refreshToken: string): boolean {
    this.#grantOf.delete(refreshToken);
    return this.#refresh.delete(refreshToken);
  }

  /** The access token's standing and its grant, as the REST API checks it on every call. */
  accessTokenStatus(accessToken: string): { status: AccessTokenStatus; grant?: string } {
    const record = this.#access.get(accessToken);
    if (!record) return { status: 'unknown' };
    if (record.revoked) return { status: 'revoked', grant: record.grant };
    if (record.expiresAt <= this.#policy.now()) return { status: 'expired', grant: record.grant };
    return { status: 'active', grant: record.grant };
  }

  /** Ends an access token now, whatever its `expires_in` said; false when it is unknown. */
  expireAccessToken(accessToken: string): boolean {
    const record = this.#access.get(accessToken);
    if (record) record.expiresAt = Math.min(record.expiresAt, this.#policy.now());
    return record !== undefined;
  }

  /** Revokes an access token (its refresh token still works); false when it is unknown. */
  revokeAccessToken(accessToken: string): boolean {
    const record = this.#access.get(accessToken);
    if (record) record.revoked = true;
    return record !== undefined;
  }

  isAccessTokenActive(accessToken: string): boolean {
    return this.accessTokenStatus(accessToken).status === 'active';
  }

  #accessToken(clientId: string, grant: string): Omit<MockTokenResponse, 'refresh_token'> {
    const accessToken = token(32);
    const ttl = this.#policy.accessTokenTtlSeconds;
    this.#access.set(accessToken, { clientId, grant, expiresAt: this.#policy.now() + ttl * 1000 });
    return { access_token: accessToken, token_type: 'Bearer', expires_in: ttl };
  }
}
