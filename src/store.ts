import type { TokenSetJSON } from './tokens.js';

/**
 * Where a `TokenManager` keeps each grant's tokens. Values are JSON-safe (`TokenSetJSON`), so any
 * key-value store fits. Implement `compareAndSet` atomically when several writers share the store.
 */
export interface TokenStore {
  get(key: string): Promise<TokenSetJSON | undefined>;
  set(key: string, tokens: TokenSetJSON): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Writes `next` only if the stored value still equals `expected` (by access and refresh token);
   * returns whether it wrote. Lets a refresh lose cleanly to a newer write instead of clobbering it.
   */
  compareAndSet?(key: string, expected: TokenSetJSON, next: TokenSetJSON): Promise<boolean>;
  /**
   * Runs `task` while holding this grant's refresh lock across processes (see
   * `hellosign-oauth/redis`). Without it, refreshes are single-flight within one process only.
   */
  runExclusive?<T>(key: string, task: () => Promise<T>): Promise<T>;
}

/** True when two stored token sets hold the same tokens. */
export function sameTokens(a: TokenSetJSON | undefined, b: TokenSetJSON | undefined): boolean {
  return a !== undefined && b !== undefined && a.accessToken === b.accessToken && a.refreshToken === b.refreshToken;
}

/** A `TokenStore` in this process's memory: the default, and right for a single instance. */
export class MemoryTokenStore implements TokenStore {
  readonly #entries = new Map<string, TokenSetJSON>();

  async get(key: string): Promise<TokenSetJSON | undefined> {
    return this.#entries.get(key);
  }

  /** The stored value, synchronously (used by `TokenSession.tokens`). */
  peek(key: string): TokenSetJSON | undefined {
    return this.#entries.get(key);
  }

  async set(key: string, tokens: TokenSetJSON): Promise<void> {
    this.#entries.set(key, tokens);
  }

  async delete(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async compareAndSet(key: string, expected: TokenSetJSON, next: TokenSetJSON): Promise<boolean> {
    if (!sameTokens(this.#entries.get(key), expected)) return false;
    this.#entries.set(key, next);
    return true;
  }

  get size(): number {
    return this.#entries.size;
  }
}
