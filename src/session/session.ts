import type { ApiFetchInput } from '../api/fetch.js';
import { type ApiTransport, apiTransportOf } from '../api/transport.js';
import { withAccessTokenFrom } from '../api/with-access-token.js';
import { OAuthValidationError } from '../client/errors.js';
import { TokenSet, type TokenSetJSON, toTokenSet } from '../client/tokens.js';
import { fetchWithToken } from '../internal/request-path-loader.js';
import { TokenManager, validateMargin } from './manager.js';
import type { TokenRefresher } from './refresher.js';
import { MemoryTokenStore } from './store.js';

/** Options of `client.session(tokens, options)` (see docs/sessions.md). */
export interface SessionOptions {
  /** Refresh when the access token expires within this many seconds. Default 300. */
  refreshMarginSeconds?: number;
  /**
   * Called with new tokens before any caller gets them; persist them here. If it throws, callers
   * get `TokenPersistError` and the next `getAccessToken` calls it again without refreshing.
   */
  onTokens?: (tokens: TokenSet) => Promise<void> | void;
  /** The clock, in ms since the epoch. Default: the client's. */
  now?: () => number;
}

const KEY = 'session';

/**
 * One grant's tokens, kept fresh: `getAccessToken()` from any number of concurrent callers causes
 * at most one refresh. A `TokenManager` with one key over a `MemoryTokenStore`, so both share
 * every rule.
 */
export class TokenSession {
  readonly #store = new MemoryTokenStore();
  readonly #manager: TokenManager;
  readonly #client: TokenRefresher;

  constructor(client: TokenRefresher, tokens: TokenSet | TokenSetJSON | string, options: SessionOptions = {}) {
    if (client === null || typeof client !== 'object' || typeof client.refresh !== 'function') {
      throw new OAuthValidationError('TokenSession needs an OAuthClient.');
    }
    if (options === null || typeof options !== 'object') {
      throw new OAuthValidationError('Session options must be an object.');
    }
    const onTokens = options.onTokens;
    if (onTokens !== undefined && typeof onTokens !== 'function') {
      throw new OAuthValidationError('onTokens must be a function.');
    }
    this.#client = client;
    this.#manager = new TokenManager({
      client,
      store: this.#store,
      refreshMarginSeconds: validateMargin(options.refreshMarginSeconds),
      onTokens: onTokens && ((fresh) => onTokens(fresh)),
      now: options.now,
    });
    // MemoryTokenStore.set completes synchronously, so `tokens` is readable right after this.
    void this.#store.set(KEY, toTokenSet(tokens).toJSON());
  }

  /** The current tokens: after a refresh, the new ones (once the memory store took them). */
  get tokens(): TokenSet {
    return TokenSet.fromJSON(this.#store.peek(KEY) as TokenSetJSON);
  }

  /** A valid access token, refreshing first when it is within the margin of expiry or was invalidated. */
  getAccessToken(): Promise<string> {
    return this.#manager.getAccessToken(KEY);
  }

  /**
   * Forces the next `getAccessToken` to refresh (call it after the API answered 401). Pass the
   * rejected token: if a refresh already replaced it, nothing happens.
   */
  invalidate(rejectedAccessToken?: string): void {
    this.#manager.invalidate(KEY, rejectedAccessToken);
  }

  /** Replaces the tokens (after a new consent, say); clears a grant marked as needing reauthorization. */
  setTokens(tokens: TokenSet | TokenSetJSON | string): Promise<void> {
    return this.#manager.setTokens(KEY, tokens);
  }

  /** The REST API base the client's `apiBaseUrl` names: the only origin this session's token is sent to. */
  get apiBaseUrl(): string {
    return apiTransportOf(this.#client).baseUrl;
  }

  /**
   * `fetch` for the Dropbox Sign REST API with this grant's token (see docs/calling-the-api.md): a
   * path resolves against `apiBaseUrl` (`session.fetch('/account')`), `Authorization: Bearer` is
   * attached after a refresh if one is due, and a 401 invalidates the rejected token and retries
   * once when the body can be sent again. Refuses (`OAuthValidationError`, code
   * `OAUTH_FOREIGN_ORIGIN`) any other origin before sending, and never lets the token follow a
   * redirect to one. Resolves to the API's `Response`, whatever its status.
   */
  fetch(input: ApiFetchInput, init?: RequestInit): Promise<Response> {
    // Not `async`: that would wrap fetchWithToken's promise in one more (two more ticks per call).
    let transport: ApiTransport;
    try {
      transport = apiTransportOf(this.#client);
    } catch (error) {
      return Promise.reject(error);
    }
    return fetchWithToken(transport, this.#source, input, init);
  }

  /**
   * Runs `fn(accessToken)` and, if it fails with a 401 (`status`, `statusCode` or
   * `response.status` of 401), invalidates that token and runs `fn` once more with a fresh one.
   * For any client library; its other errors pass through unchanged.
   */
  withAccessToken<T>(fn: (accessToken: string) => Promise<T> | T): Promise<T> {
    return withAccessTokenFrom(this.#source, fn);
  }

  readonly #source = {
    getAccessToken: () => this.getAccessToken(),
    invalidate: (rejected: string) => this.invalidate(rejected),
  };
}
