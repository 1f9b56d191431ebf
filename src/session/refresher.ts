import type { TokenSet } from '../client/tokens.js';

/** Options of `client.refresh(tokens, options)`. */
export interface RefreshOptions {
  /** Aborts the call (also while it waits to retry) with `OAuthAbortError`. */
  signal?: AbortSignal;
  /**
   * Awaited right before each attempt is sent (retries included), with the attempt's timeout. If
   * it throws, nothing more is sent and the refresh fails with that error. `TokenManager` uses it
   * to check that its refresh lock is still held and the refresh token still current.
   */
  beforeAttempt?: (attempt: { timeoutMs: number }) => Promise<void> | void;
}

/**
 * What the session layer needs of a client: something that can refresh, and its clock.
 * `OAuthClient` is one; `TokenManager` and `TokenSession` take any, so they never import the client.
 */
export interface TokenRefresher {
  /** Refreshes `tokens` (they carry the refresh token); `options` as for `OAuthClient.refresh`. */
  refresh(tokens: TokenSet, options?: RefreshOptions): Promise<TokenSet>;
  /** The clock expiry is counted with, in ms since the epoch (a manager's `now` option overrides it). */
  now(): number;
}
