import type { OAuthClient } from './client.js';
import { TokenManager, validateMargin } from './manager.js';
import { MemoryTokenStore } from './store.js';
import { TokenSet, type TokenSetJSON } from './tokens.js';

export interface SessionOptions {
  /** Refresh when the access token expires within this many seconds. Default 300. */
  refreshMarginSeconds?: number;
  /** Called with new tokens before any caller gets them; persist them here. */
  onTokens?: (tokens: TokenSet) => Promise<void> | void;
  /** The clock, in ms since the epoch. Default: the client's. */
  now?: () => number;
}

const KEY = 'session';

/**
 * One grant's tokens, kept fresh: `getAccessToken()` from any number of concurrent callers causes
 * at most one refresh. A `TokenManager` with one key, so both share every rule.
 */
export class TokenSession {
  readonly #store = new MemoryTokenStore();
  readonly #manager: TokenManager;

  constructor(client: OAuthClient, tokens: TokenSet, options: SessionOptions = {}) {
    const onTokens = options.onTokens;
    this.#manager = new TokenManager({
      client,
      store: this.#store,
      refreshMarginSeconds: validateMargin(options.refreshMarginSeconds),
      onTokens: onTokens && ((fresh) => onTokens(fresh)),
      now: options.now,
    });
    // MemoryTokenStore.set completes synchronously, so `tokens` is readable right after this.
    void this.#store.set(KEY, tokens.toJSON());
  }

  /** The current tokens. */
  get tokens(): TokenSet {
    return TokenSet.fromJSON(this.#store.peek(KEY) as TokenSetJSON);
  }

  getAccessToken(): Promise<string> {
    return this.#manager.getAccessToken(KEY);
  }

  /** Forces the next `getAccessToken` to refresh, unless the rejected token was already replaced. */
  invalidate(rejectedAccessToken?: string): void {
    this.#manager.invalidate(KEY, rejectedAccessToken);
  }

  /** Replaces the tokens (after a new consent, say); clears a grant marked as needing reauthorization. */
  setTokens(tokens: TokenSet | TokenSetJSON | string): Promise<void> {
    return this.#manager.setTokens(KEY, tokens);
  }
}
