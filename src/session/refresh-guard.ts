import { OAuthError } from '../client/errors.js';
import type { RefreshLease } from './store.js';

/**
 * Checks, right before each request of one refresh under a store's lock, that the refresh may
 * still be sent: the lock is still held (and is renewed to outlast the attempt), and the store
 * still holds the refresh token about to be sent. Otherwise the request is not sent. What stays
 * open is the time between the check and the write to the socket (docs/stores.md).
 */
export class RefreshGuard {
  readonly #lease: RefreshLease;
  readonly #storedRefreshToken: () => Promise<string | undefined>;
  readonly #refreshToken: string;
  #stopped: unknown;
  #replaced = false;

  constructor(lease: RefreshLease, storedRefreshToken: () => Promise<string | undefined>, refreshToken: string) {
    this.#lease = lease;
    this.#storedRefreshToken = storedRefreshToken;
    this.#refreshToken = refreshToken;
  }

  /** The client's `beforeAttempt`. */
  readonly beforeAttempt = async ({ timeoutMs }: { timeoutMs: number }): Promise<void> => {
    try {
      await this.#lease.confirm(timeoutMs);
      if ((await this.#storedRefreshToken()) !== this.#refreshToken) {
        this.#replaced = true;
        throw new OAuthError(
          'The stored refresh token changed before the request was sent; the request was not sent.',
          'OAUTH_REFRESH_TOKEN_REPLACED',
        );
      }
    } catch (error) {
      this.#stopped = error;
      throw error;
    }
  };

  /** The lease's signal: aborts the request once the lease is lost. */
  get signal(): AbortSignal {
    return this.#lease.signal;
  }

  /** True when the store held a newer refresh token: read it again and use it instead. */
  get replaced(): boolean {
    return this.#replaced;
  }

  /**
   * Why the guard or the lease stopped the refresh, if they did, as they said it: the client wraps
   * what it did not throw itself, and an abort would otherwise read as the caller's.
   */
  get stopReason(): unknown {
    return this.#stopped ?? (this.#lease.signal.aborted ? this.#lease.signal.reason : undefined);
  }
}
