import type { OAuthClient } from './client.js';
import {
  OAuthApiError,
  OAuthError,
  OAuthValidationError,
  sanitizedCause,
  TokenNotFoundError,
  TokenPersistError,
} from './errors.js';
import { MemoryTokenStore, sameTokens, type TokenStore } from './store.js';
import { TokenSet, type TokenSetJSON, toTokenSet } from './tokens.js';

export interface TokenManagerOptions {
  client: OAuthClient;
  /** Where tokens live. Default: a new `MemoryTokenStore`. */
  store?: TokenStore;
  /** Refresh when the access token expires within this many seconds. Default 300. */
  refreshMarginSeconds?: number;
  /** Called with new tokens after the store took them and before any caller gets them. */
  onTokens?: (tokens: TokenSet, key: string) => Promise<void> | void;
  /** The clock, in ms since the epoch. Default: the client's. */
  now?: () => number;
}

/** Refreshed tokens on their way to the store. */
interface Pending {
  tokens: TokenSet;
  /** What the store held when the refresh started; the write only lands if it still does. */
  expected: TokenSetJSON;
  stored: boolean;
}

export function validateMargin(value: unknown): number {
  if (value === undefined) return 300;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new OAuthValidationError('refreshMarginSeconds must be a non-negative number.');
  }
  return value;
}

function validateKey(key: unknown): string {
  if (typeof key !== 'string' || key === '') throw new OAuthValidationError('key must be a non-empty string.');
  return key;
}

/**
 * Keeps many grants' access tokens fresh. Concurrent callers for one grant share one refresh;
 * new tokens are persisted before anyone gets them; a stale write never replaces newer tokens.
 * Holds no timers and, per grant, nothing beyond the store's entry while no refresh is running.
 */
export class TokenManager {
  readonly #client: OAuthClient;
  readonly #store: TokenStore;
  readonly #marginSeconds: number;
  readonly #onTokens: TokenManagerOptions['onTokens'];
  readonly #now: () => number;
  /** Refreshes in progress; an entry is removed as soon as its refresh settles. */
  readonly #flights = new Map<string, Promise<TokenSet>>();
  readonly #pending = new Map<string, Pending>();
  /** Grants whose refresh token the server rejected; cleared by `setTokens` or `delete`. */
  readonly #dead = new Map<string, OAuthApiError>();
  /** Grants a caller reported as rejected: the access token it saw, or `true` for "whatever is current". */
  readonly #invalidated = new Map<string, string | true>();

  constructor(options: TokenManagerOptions) {
    if (!options || typeof options.client?.refresh !== 'function') {
      throw new OAuthValidationError('TokenManager needs { client: OAuthClient }.');
    }
    if (options.onTokens !== undefined && typeof options.onTokens !== 'function') {
      throw new OAuthValidationError('onTokens must be a function.');
    }
    this.#client = options.client;
    this.#store = options.store ?? new MemoryTokenStore();
    this.#marginSeconds = validateMargin(options.refreshMarginSeconds);
    this.#onTokens = options.onTokens;
    this.#now = options.now ?? (() => options.client.now());
  }

  /** Stores tokens for a grant (a `TokenSet` or its JSON form), replacing any, and revives a dead grant. */
  async setTokens(key: string, tokens: TokenSet | TokenSetJSON | string): Promise<void> {
    validateKey(key);
    const set = toTokenSet(tokens);
    await this.#store.set(key, set.toJSON());
    this.#forget(key);
  }

  /** The grant's current tokens, or `undefined`. Refreshed-but-unpersisted tokens win over the store's. */
  async getTokens(key: string): Promise<TokenSet | undefined> {
    validateKey(key);
    const pending = this.#pending.get(key);
    if (pending) return pending.tokens;
    const stored = await this.#store.get(key);
    return stored === undefined ? undefined : TokenSet.fromJSON(stored);
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    await this.#store.delete(key);
    this.#forget(key);
  }

  /**
   * Marks the grant's access token as rejected (the API answered 401), so the next
   * `getAccessToken` refreshes. Pass the rejected token: if a refresh already replaced it, nothing
   * happens, so a burst of 401s for one old token causes one refresh, not many.
   */
  invalidate(key: string, rejectedAccessToken?: string): void {
    validateKey(key);
    this.#invalidated.set(key, rejectedAccessToken ?? true);
  }

  /** A valid access token for the grant, refreshing first when it is within the margin of expiry. */
  async getAccessToken(key: string): Promise<string> {
    return (await this.getFreshTokens(key)).accessToken;
  }

  /** Like `getAccessToken`, but returns the whole `TokenSet`. */
  async getFreshTokens(key: string): Promise<TokenSet> {
    validateKey(key);
    const dead = this.#dead.get(key);
    if (dead) throw dead;
    const flight = this.#flights.get(key);
    if (flight) return flight;
    if (!this.#pending.has(key)) {
      const stored = await this.#store.get(key);
      if (stored === undefined) throw new TokenNotFoundError(key);
      const tokens = TokenSet.fromJSON(stored);
      if (!this.#needsRefresh(key, tokens)) return tokens;
    }
    // Checked again: another caller may have started the refresh while this one read the store.
    const started = this.#flights.get(key);
    if (started) return started;
    const refresh = this.#exclusive(key).finally(() => this.#flights.delete(key));
    this.#flights.set(key, refresh);
    return refresh;
  }

  #needsRefresh(key: string, tokens: TokenSet): boolean {
    const rejected = this.#invalidated.get(key);
    if (rejected === true || rejected === tokens.accessToken) return true;
    return tokens.isExpired(this.#marginSeconds, this.#now());
  }

  #exclusive(key: string): Promise<TokenSet> {
    const task = () => this.#refresh(key);
    return this.#store.runExclusive ? this.#store.runExclusive(key, task) : task();
  }

  async #refresh(key: string): Promise<TokenSet> {
    const pending = this.#pending.get(key);
    if (pending) return this.#persist(key, pending);
    // Read again inside the flight (and the lock): another refresh may have just finished.
    const current = await this.#store.get(key);
    if (current === undefined) throw new TokenNotFoundError(key);
    const tokens = TokenSet.fromJSON(current);
    if (!this.#needsRefresh(key, tokens)) return tokens;
    if (!tokens.refreshToken) {
      throw new OAuthError(
        'The access token needs refreshing but the grant has no refresh token; the user must authorize again.',
        'OAUTH_NO_REFRESH_TOKEN',
      );
    }
    let fresh: TokenSet;
    try {
      fresh = await this.#client.refresh(tokens);
    } catch (error) {
      // Only a grant still holding the tokens the server rejected is dead; newer ones may be fine.
      if (
        error instanceof OAuthApiError &&
        error.requiresReauthorization &&
        sameTokens(await this.#store.get(key), current)
      ) {
        this.#dead.set(key, error);
      }
      throw error;
    }
    const next: Pending = { tokens: fresh, expected: current, stored: false };
    this.#pending.set(key, next);
    return this.#persist(key, next);
  }

  async #persist(key: string, pending: Pending): Promise<TokenSet> {
    try {
      if (!pending.stored) {
        if (!(await this.#write(key, pending))) {
          // A newer write (new consent, another process) won; it, not this refresh, is current.
          this.#pending.delete(key);
          const newer = await this.#store.get(key);
          if (newer === undefined) throw new TokenNotFoundError(key);
          return TokenSet.fromJSON(newer);
        }
        pending.stored = true;
      }
      await this.#onTokens?.(pending.tokens, key);
    } catch (error) {
      if (error instanceof OAuthError) throw error;
      throw new TokenPersistError(sanitizedCause(error, [pending.tokens.accessToken, pending.tokens.refreshToken]));
    }
    if (this.#pending.get(key) === pending) this.#pending.delete(key);
    this.#invalidated.delete(key);
    return pending.tokens;
  }

  async #write(key: string, pending: Pending): Promise<boolean> {
    const next = pending.tokens.toJSON();
    if (this.#store.compareAndSet) return this.#store.compareAndSet(key, pending.expected, next);
    // Without an atomic compare-and-set this is check-then-write; in-process flights keep it safe.
    if (!sameTokens(await this.#store.get(key), pending.expected)) return false;
    await this.#store.set(key, next);
    return true;
  }

  #forget(key: string): void {
    this.#dead.delete(key);
    this.#pending.delete(key);
    this.#invalidated.delete(key);
  }
}
