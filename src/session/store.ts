import { OAuthValidationError } from '../client/errors.js';
import type { TokenSetJSON } from '../client/tokens.js';

/**
 * Where a `TokenManager` keeps each grant's tokens. Values are JSON-safe (`TokenSetJSON`), so any
 * key-value store fits. Every method may be async. Implement `compareAndSet` atomically (and
 * `runExclusive`, for one refresh per grant across processes) when several processes share the store.
 */
export interface TokenStore {
  /** The stored tokens, or `undefined` (or `null`) when the key holds none. */
  get(key: string): Promise<TokenSetJSON | undefined>;
  /** Stores the tokens, replacing any. Resolve only once they are durable: callers use them next. */
  set(key: string, tokens: TokenSetJSON): Promise<void>;
  /** Removes the key's tokens; resolves whether or not it held any. */
  delete(key: string): Promise<void>;
  /**
   * Writes `next` only if the stored value still holds the same tokens as `expected` (compare
   * `accessToken` and `refreshToken`); returns whether it wrote. Lets a refresh lose cleanly to a
   * newer write (another process, a new consent) instead of clobbering it.
   */
  compareAndSet?(key: string, expected: TokenSetJSON, next: TokenSetJSON): Promise<boolean>;
  /**
   * Runs `task` while holding this grant's refresh lock across processes (see
   * `hellosign-oauth/redis`). Without it, refreshes are single-flight within one process only.
   * Pass the task a `RefreshLease` when the lock can lapse, so the refresh checks it before each
   * request and stops once it is lost.
   */
  runExclusive?<T>(key: string, task: (lease?: RefreshLease) => Promise<T>): Promise<T>;
}

/**
 * The refresh lock a `runExclusive` task holds, as the task sees it. A lock with a time to live
 * can lapse while its holder still works (a stalled holder, a partition from the lock's server);
 * another process may then send the same refresh token, which a server that detects reuse
 * answers by revoking the grant (RFC 9700 §4.14.2). See docs/stores.md.
 */
export interface RefreshLease {
  /** Aborted, with the store's error as `reason`, once the lease is lost or may have lapsed. */
  readonly signal: AbortSignal;
  /**
   * Confirms, right before a request, that this holder still holds the lock, and renews it to last
   * at least `attemptMs` more plus the store's time to write the result. Rejects (and aborts
   * `signal` when the lock is lost) if it cannot: the request must then not be sent.
   */
  confirm(attemptMs: number): Promise<void>;
}

/** The fields that identify one issue of a grant's tokens. */
type TokenIdentity = Pick<TokenSetJSON, 'accessToken' | 'refreshToken'>;

/** True when two token sets hold the same tokens (access and refresh token; expiry is not compared). */
export function sameTokens(a: TokenIdentity | undefined, b: TokenIdentity | undefined): boolean {
  return a !== undefined && b !== undefined && a.accessToken === b.accessToken && a.refreshToken === b.refreshToken;
}

function validKey(key: unknown): string {
  if (typeof key !== 'string' || key === '') throw new OAuthValidationError('key must be a non-empty string.');
  return key;
}

function validTokens(tokens: unknown, name: string): TokenSetJSON {
  if (tokens === null || typeof tokens !== 'object') {
    throw new OAuthValidationError(`${name} must be token JSON (an object, as TokenSet.toJSON() returns).`);
  }
  return tokens as TokenSetJSON;
}

/** A `TokenStore` in this process's memory: the default, and right for a single instance. */
export class MemoryTokenStore implements TokenStore {
  readonly #entries = new Map<string, TokenSetJSON>();

  /** The stored tokens, or `undefined`. */
  async get(key: string): Promise<TokenSetJSON | undefined> {
    return this.#entries.get(validKey(key));
  }

  /** The stored value, synchronously (used by `TokenSession.tokens`). */
  peek(key: string): TokenSetJSON | undefined {
    return this.#entries.get(validKey(key));
  }

  /** Stores the tokens, replacing any. */
  async set(key: string, tokens: TokenSetJSON): Promise<void> {
    this.#entries.set(validKey(key), validTokens(tokens, 'tokens'));
  }

  /** Removes the key's tokens. */
  async delete(key: string): Promise<void> {
    this.#entries.delete(validKey(key));
  }

  /** Writes `next` only if the stored tokens are still `expected`; returns whether it wrote. */
  async compareAndSet(key: string, expected: TokenSetJSON, next: TokenSetJSON): Promise<boolean> {
    validKey(key);
    validTokens(expected, 'expected');
    validTokens(next, 'next');
    if (!sameTokens(this.#entries.get(key), expected)) return false;
    this.#entries.set(key, next);
    return true;
  }

  /** How many grants are stored. */
  get size(): number {
    return this.#entries.size;
  }
}
