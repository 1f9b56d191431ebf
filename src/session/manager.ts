import type { AccessTokenSource, ApiFetchInput } from '../api/fetch.js';
import { apiTransportOf } from '../api/transport.js';
import { withAccessTokenFrom } from '../api/with-access-token.js';
import {
  InvalidResponseError,
  OAuthApiError,
  OAuthError,
  OAuthValidationError,
  sanitizedCause,
  TokenNotFoundError,
  TokenPersistError,
} from '../client/errors.js';
import { TokenSet, type TokenSetJSON, toTokenSet } from '../client/tokens.js';
import { timeLockWait, traceSessionRefresh } from '../diagnostics/channels.js';
import { fetchWithToken } from '../internal/request-path-loader.js';
import { validateKey } from '../internal/validation.js';
import { DeadGrants } from './dead-grants.js';
import { sharedTokenSet } from './parsed-tokens.js';
import { RefreshGuard } from './refresh-guard.js';
import type { TokenRefresher } from './refresher.js';
import { MemoryTokenStore, type RefreshLease, sameTokens, type TokenStore } from './store.js';

/** Options of `new TokenManager(options)`; only `client` is required. */
export interface TokenManagerOptions {
  /** The client that refreshes (its clock counts expiry). */
  client: TokenRefresher;
  /** Where tokens live. Default: a new `MemoryTokenStore`. */
  store?: TokenStore;
  /** Refresh when the access token expires within this many seconds. Default 300. */
  refreshMarginSeconds?: number;
  /**
   * Called with new tokens after the store took them and before any caller gets them. If it
   * throws, callers get `TokenPersistError` and the next call calls it again (without refreshing).
   */
  onTokens?: (tokens: TokenSet, key: string) => Promise<void> | void;
  /** The clock, in ms since the epoch. Default: the client's. */
  now?: () => number;
}

/** Refreshed tokens on their way to the store and `onTokens`; kept until both took them. */
interface Pending {
  tokens: TokenSet;
  /** What the store held when the refresh started; the write only lands if it still does. */
  expected: TokenSetJSON;
  stored: boolean;
  /** The report clock when these tokens first became visible (`getTokens`): later reports may be about them. */
  visibleAt: number;
}

/** A caller's report that an access token was rejected, stamped so that only newer news can clear it. */
interface Invalidation {
  /** The rejected access tokens (reports add up), or `true` for "whatever is current". */
  token: Set<string> | true;
  /** The report clock at the report. */
  at: number;
}

const memoryGet = MemoryTokenStore.prototype.get;
const memoryPeek = MemoryTokenStore.prototype.peek;

/** Validates `refreshMarginSeconds`; `undefined` means the default, 300. */
export function validateMargin(value: unknown): number {
  if (value === undefined) return 300;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new OAuthValidationError('refreshMarginSeconds must be a non-negative finite number.');
  }
  return value;
}

function validateStore(store: unknown): TokenStore | undefined {
  if (store === undefined) return undefined;
  const candidate = store as Partial<Record<keyof TokenStore, unknown>> | null;
  const required = ['get', 'set', 'delete'] as const;
  if (candidate === null || typeof candidate !== 'object' || required.some((m) => typeof candidate[m] !== 'function')) {
    throw new OAuthValidationError('store must implement get, set and delete (see TokenStore).');
  }
  for (const optional of ['compareAndSet', 'runExclusive'] as const) {
    if (candidate[optional] !== undefined && typeof candidate[optional] !== 'function') {
      throw new OAuthValidationError(`store.${optional} must be a function when present.`);
    }
  }
  return store as TokenStore;
}

/**
 * Keeps many grants' access tokens fresh. Concurrent callers for one grant share one refresh;
 * new tokens are persisted before anyone gets them; a stale write never replaces newer tokens.
 * Holds no timers and, per grant, nothing beyond the store's entry while no refresh is running.
 */
export class TokenManager {
  readonly #client: TokenRefresher;
  readonly #store: TokenStore;
  readonly #marginSeconds: number;
  readonly #onTokens: TokenManagerOptions['onTokens'];
  readonly #now: () => number;
  /** Refreshes in progress; an entry is removed as soon as its refresh settles. */
  readonly #flights = new Map<string, Promise<TokenSet>>();
  /** Refreshed tokens not yet taken by the store and `onTokens` (they are the only valid ones). */
  readonly #pending = new Map<string, Pending>();
  /** The tail of each grant's queue of writes; removed once the queue drains. */
  readonly #writes = new Map<string, Promise<unknown>>();
  /** Grants whose refresh token the server rejected; revived by new tokens in the store. */
  readonly #dead = new DeadGrants();
  /** Grants a caller reported as rejected (see `invalidate`). */
  readonly #invalidated = new Map<string, Invalidation>();
  /**
   * Counts reports; a read stamped before a report began before it, so what it found cannot clear
   * that report (a slow store read may return tokens older than the ones the caller rejected).
   */
  #reports = 0;

  constructor(options: TokenManagerOptions) {
    if (options === null || typeof options !== 'object' || typeof options.client?.refresh !== 'function') {
      throw new OAuthValidationError('TokenManager needs { client: OAuthClient }.');
    }
    if (options.onTokens !== undefined && typeof options.onTokens !== 'function') {
      throw new OAuthValidationError('onTokens must be a function.');
    }
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new OAuthValidationError('now must be a function.');
    }
    if (options.now === undefined && typeof options.client.now !== 'function') {
      throw new OAuthValidationError('TokenManager needs a now option when its client has no now().');
    }
    this.#client = options.client;
    this.#store = validateStore(options.store) ?? new MemoryTokenStore();
    this.#marginSeconds = validateMargin(options.refreshMarginSeconds);
    this.#onTokens = options.onTokens;
    this.#now = options.now ?? (() => options.client.now());
  }

  /**
   * Stores tokens for a grant (a `TokenSet` or its JSON form, object or string), replacing any.
   * Revives a grant that needed reauthorization; a refresh still in flight will not overwrite them.
   */
  async setTokens(key: string, tokens: TokenSet | TokenSetJSON | string): Promise<void> {
    validateKey(key);
    const json = toTokenSet(tokens).toJSON();
    await this.#serialize(key, async () => {
      await this.#store.set(key, json);
      this.#forget(key);
    });
  }

  /** The grant's current tokens, or `undefined`. Refreshed-but-unpersisted tokens win over the store's. */
  async getTokens(key: string): Promise<TokenSet | undefined> {
    validateKey(key);
    const pending = this.#pending.get(key);
    if (pending) return pending.tokens;
    return this.#read(key);
  }

  /** Removes the grant. A refresh in flight for it ends with `TokenNotFoundError` and stores nothing. */
  async delete(key: string): Promise<void> {
    validateKey(key);
    await this.#serialize(key, async () => {
      await this.#store.delete(key);
      this.#forget(key);
    });
  }

  /**
   * Marks the grant's access token as rejected (the API answered 401), so the next
   * `getAccessToken` refreshes. Pass the rejected token: if a refresh already replaced it, nothing
   * happens, so a burst of 401s for one old token causes one refresh, not many.
   */
  invalidate(key: string, rejectedAccessToken?: string): void {
    validateKey(key);
    if (rejectedAccessToken !== undefined && typeof rejectedAccessToken !== 'string') {
      throw new OAuthValidationError('rejectedAccessToken must be a string when given.');
    }
    // Reports add up: a late one for an already replaced token must not cancel one for the current token.
    const report = this.#invalidated.get(key);
    const at = ++this.#reports;
    if (rejectedAccessToken === undefined || report?.token === true) this.#invalidated.set(key, { token: true, at });
    else if (report) {
      report.token.add(rejectedAccessToken);
      report.at = at;
    } else this.#invalidated.set(key, { token: new Set([rejectedAccessToken]), at });
  }

  /**
   * A valid access token for the grant, refreshing first when it is within the margin of expiry
   * or was invalidated. Throws `TokenNotFoundError`, the refresh's error (the same one for every
   * concurrent caller), or `TokenPersistError`.
   */
  async getAccessToken(key: string): Promise<string> {
    validateKey(key);
    // Only the access token leaves, so the stored tokens may be read as a shared, cached TokenSet.
    const fresh = this.#freshInMemory(key);
    if (fresh !== undefined) return fresh.accessToken;
    return (await this.#freshTokens(key, true)).accessToken;
  }

  /**
   * The common case of `#freshTokens` without awaiting anything: a `MemoryTokenStore` (a session's
   * own store, say) whose `get` and `peek` are its class's, so `peek` returns what `get` would, and
   * tokens that need no refresh. `undefined` for anything else (a refresh due or running, no
   * tokens, another store): `#freshTokens` then decides, as it always did.
   */
  #freshInMemory(key: string): TokenSet | undefined {
    const store = this.#store;
    if (!(store instanceof MemoryTokenStore) || store.get !== memoryGet || store.peek !== memoryPeek) return undefined;
    if (this.#flights.has(key) || this.#pending.has(key)) return undefined;
    const stored = store.peek(key);
    if (stored === undefined) return undefined;
    const tokens = sharedTokenSet(stored);
    this.#throwIfDead(key, tokens);
    return this.#needsRefresh(key, tokens, this.#reports) ? undefined : tokens;
  }

  /** Like `getAccessToken`, but returns the whole `TokenSet`. */
  async getFreshTokens(key: string): Promise<TokenSet> {
    return this.#freshTokens(validateKey(key), false);
  }

  /**
   * `shared`: the stored tokens may come back as a `TokenSet` parsed on an earlier read of the same
   * stored object (see `sharedTokenSet`); only for a caller that hands out no more than the access
   * token. The store is read here directly (not through `#require`): one async step less per call.
   */
  async #freshTokens(key: string, shared: boolean): Promise<TokenSet> {
    const flight = this.#flights.get(key);
    if (flight) return flight;
    if (!this.#pending.has(key)) {
      const readAt = this.#reports;
      const stored = (await this.#store.get(key)) as TokenSetJSON | string | null | undefined;
      if (stored === undefined || stored === null) this.#notFound(key);
      const tokens = shared ? sharedTokenSet(stored) : TokenSet.fromJSON(stored);
      this.#throwIfDead(key, tokens);
      if (!this.#needsRefresh(key, tokens, readAt)) return tokens;
    }
    // Checked again: another caller may have started the refresh while this one read the store.
    return this.#flights.get(key) ?? this.#startFlight(key);
  }

  /** The REST API base the client's `apiBaseUrl` names: the only origin this manager's tokens are sent to. */
  get apiBaseUrl(): string {
    return apiTransportOf(this.#client).baseUrl;
  }

  /**
   * `session.fetch` for the grant under `key`: calls the Dropbox Sign REST API with its access
   * token, refreshing first when due and retrying once after a 401 when the body can be sent again.
   * Refuses other origins before sending (see docs/calling-the-api.md).
   */
  async fetch(key: string, input: ApiFetchInput, init?: RequestInit): Promise<Response> {
    return fetchWithToken(apiTransportOf(this.#client), this.#sourceFor(validateKey(key)), input, init);
  }

  /** `session.withAccessToken` for the grant under `key`: one retry with a fresh token after a 401. */
  async withAccessToken<T>(key: string, fn: (accessToken: string) => Promise<T> | T): Promise<T> {
    return withAccessTokenFrom(this.#sourceFor(validateKey(key)), fn);
  }

  #sourceFor(key: string): AccessTokenSource {
    return {
      getAccessToken: () => this.getAccessToken(key),
      invalidate: (rejected) => this.invalidate(key, rejected),
    };
  }

  #startFlight(key: string): Promise<TokenSet> {
    const task = (lease?: RefreshLease) => traceSessionRefresh(key, () => this.#refresh(key, lease));
    const run = this.#store.runExclusive ? this.#store.runExclusive(key, timeLockWait(key, task)) : task();
    const flight = run.finally(() => this.#flights.delete(key));
    this.#flights.set(key, flight);
    return flight;
  }

  /** `restarts`: how often a newer refresh token found right before sending restarted this refresh. */
  async #refresh(key: string, lease?: RefreshLease, restarts = 0): Promise<TokenSet> {
    const pending = this.#pending.get(key);
    if (pending) return this.#persist(key, pending);
    // Read again inside the flight (and the lock): another refresh may have just finished.
    const readAt = this.#reports;
    const tokens = await this.#require(key);
    this.#throwIfDead(key, tokens);
    if (!this.#needsRefresh(key, tokens, readAt)) return tokens;
    if (!tokens.refreshToken) {
      throw new OAuthError(
        'The access token needs refreshing but the grant has no refresh token; the user must authorize again.',
        'OAUTH_NO_REFRESH_TOKEN',
      );
    }
    const current = tokens.toJSON();
    const guard =
      lease && new RefreshGuard(lease, async () => (await this.#read(key))?.refreshToken, tokens.refreshToken);
    let fresh: TokenSet;
    try {
      fresh = await this.#client.refresh(tokens, guard && { signal: guard.signal, beforeAttempt: guard.beforeAttempt });
    } catch (error) {
      if (error instanceof InvalidResponseError) await this.#keepIssuedRefreshToken(key, tokens, error);
      // Another process refreshed first: take its tokens, or refresh with its refresh token.
      if (guard?.replaced && restarts < 3) return this.#refresh(key, lease, restarts + 1);
      const reauthorize = error instanceof OAuthApiError && error.requiresReauthorization;
      if (reauthorize || guard) {
        // Another process may have rotated the refresh token meanwhile (this one's lock lapsed).
        const newer = await this.#newerFreshTokens(key, current);
        if (newer) return newer;
      }
      if (reauthorize) await this.#markDead(key, current, error);
      // A stop by the guard or the lease reads better in their words than as the client wrapped it.
      throw error instanceof OAuthApiError ? error : (guard?.stopReason ?? error);
    }
    const next: Pending = { tokens: fresh, expected: current, stored: false, visibleAt: this.#reports };
    this.#pending.set(key, next);
    return this.#persist(key, next);
  }

  /**
   * Stores the refresh token a rejected response carried (with rotation, the old one is now dead)
   * next to the access token it did not replace. Best effort: the error still carries it.
   */
  async #keepIssuedRefreshToken(key: string, tokens: TokenSet, error: InvalidResponseError): Promise<void> {
    const refreshToken = error.issuedRefreshToken();
    if (!refreshToken || refreshToken === tokens.refreshToken) return;
    const kept: Pending = {
      tokens: new TokenSet({ ...tokens, refreshToken }),
      expected: tokens.toJSON(),
      stored: false,
      visibleAt: this.#reports,
    };
    await this.#serialize(key, async () => {
      if (await this.#write(key, kept)) await this.#onTokens?.(kept.tokens, key);
    }).catch(() => undefined);
  }

  /** Fresh tokens stored since `replaced` was read (by another process or a new consent), if any. */
  async #newerFreshTokens(key: string, replaced: TokenSetJSON): Promise<TokenSet | undefined> {
    const readAt = this.#reports;
    const stored = await this.#read(key).catch(() => undefined);
    if (!stored || sameTokens(stored, replaced) || this.#needsRefresh(key, stored, readAt)) return undefined;
    return stored;
  }

  async #markDead(key: string, rejected: TokenSetJSON, error: OAuthApiError): Promise<void> {
    // Only a grant still holding the tokens the server rejected is dead; newer ones may be fine.
    await this.#serialize(key, async () => {
      if (sameTokens(await this.#readJSON(key), rejected)) this.#dead.add(key, rejected, error);
    }).catch(() => undefined);
  }

  /**
   * Hands the refreshed tokens to the store and then to `onTokens`, in this grant's write queue so
   * `setTokens` and `delete` cannot interleave. Returns the tokens callers should get.
   */
  async #persist(key: string, pending: Pending): Promise<TokenSet> {
    const persisted = await this.#serialize(key, async () => {
      // `setTokens` or `delete` ran since the refresh: their tokens (or absence) are newer.
      if (this.#pending.get(key) !== pending) return false;
      try {
        if (!pending.stored) {
          if (!(await this.#write(key, pending))) {
            this.#pending.delete(key);
            return false;
          }
          pending.stored = true;
        }
        await this.#onTokens?.(pending.tokens, key);
      } catch (error) {
        const { tokens, expected } = pending;
        const secrets = [tokens.accessToken, tokens.refreshToken, expected.accessToken, expected.refreshToken];
        throw new TokenPersistError(sanitizedCause(error, secrets));
      }
      this.#pending.delete(key);
      return true;
    });
    // A report made before these tokens became visible is about older ones, which they replace.
    const report = this.#invalidated.get(key);
    if (report?.token === true && report.at <= pending.visibleAt) this.#invalidated.delete(key);
    if (persisted) return pending.tokens;
    // A newer write (new consent, another process) won; it, not this refresh, is current.
    return this.#require(key);
  }

  async #write(key: string, pending: Pending): Promise<boolean> {
    const next = pending.tokens.toJSON();
    if (this.#store.compareAndSet) {
      if (await this.#store.compareAndSet(key, pending.expected, next)) return true;
      // A retry after a write that landed but reported failure finds its own tokens there.
      return sameTokens(await this.#readJSON(key), next);
    }
    // Check-then-write: atomic within this process (the write queue); across processes, implement
    // compareAndSet or runExclusive in the store.
    const stored = await this.#readJSON(key);
    if (sameTokens(stored, next)) return true;
    if (!sameTokens(stored, pending.expected)) return false;
    await this.#store.set(key, next);
    return true;
  }

  /** `readAt`: the report clock when the read that found `tokens` began. */
  #needsRefresh(key: string, tokens: TokenSet, readAt: number): boolean {
    const report = this.#invalidated.get(key);
    if (report !== undefined && (report.token === true || report.token.has(tokens.accessToken))) return true;
    // The reported token was already replaced, as a read begun after the report shows: it is spent.
    if (report !== undefined && report.at <= readAt) this.#invalidated.delete(key);
    return tokens.isExpired(this.#marginSeconds, this.#now());
  }

  #throwIfDead(key: string, tokens: TokenSet): void {
    // New tokens that reached the store another way (another process, a direct store write) revive it.
    const error = this.#dead.errorFor(key, tokens);
    if (error) throw error;
  }

  /** Runs `task` after every earlier write for this grant in this process has settled. */
  #serialize<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#writes.get(key);
    const run = previous ? previous.then(task) : task();
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#writes.set(key, tail);
    void tail.then(() => {
      if (this.#writes.get(key) === tail) this.#writes.delete(key);
    });
    return run;
  }

  /** The stored tokens, parsed once: a store may hand back the object, a JSON string, or `null` for "absent". */
  async #read(key: string): Promise<TokenSet | undefined> {
    const stored = (await this.#store.get(key)) as TokenSetJSON | string | null | undefined;
    return stored === undefined || stored === null ? undefined : TokenSet.fromJSON(stored);
  }

  async #readJSON(key: string): Promise<TokenSetJSON | undefined> {
    return (await this.#read(key))?.toJSON();
  }

  async #require(key: string): Promise<TokenSet> {
    return (await this.#read(key)) ?? this.#notFound(key);
  }

  #notFound(key: string): never {
    this.#forget(key);
    throw new TokenNotFoundError(key);
  }

  #forget(key: string): void {
    this.#dead.delete(key);
    this.#pending.delete(key);
    this.#invalidated.delete(key);
  }
}
