import { OAuthValidationError } from '../client/errors.js';
import type { TokenSetJSON } from '../client/tokens.js';
import { timerMilliseconds, validateKey } from '../internal/validation.js';
import type { RefreshLease, TokenStore } from '../session/store.js';
import { type RedisClientLike, RedisConnection } from './connection.js';
import { RedisStoreError } from './errors.js';
import { withLock } from './lock.js';
import { COMPARE_AND_SET } from './scripts.js';
import { parseRedisUrl, type RedisUrl } from './url.js';

/** Options of `new RedisTokenStore(…)`: exactly one of `url` or `client`; the rest have defaults. */
export interface RedisTokenStoreOptions {
  /** `redis://[[user]:password@]host[:port][/db]` or `rediss://…`. The store creates, and `close()` closes, its client. */
  url?: string;
  /** A node-redis 6.2+ client you created and connected; the store uses it and never closes it. */
  client?: RedisClientLike;
  /** Prepended to every key the store writes. Default `'hellosign-oauth:'`. */
  keyPrefix?: string;
  /**
   * How long a refresh lock lives without being extended: the longest a crashed holder delays the
   * other processes. The holder extends it while it works, and right before each request to the
   * token endpoint renews it to outlast that request (the client's `timeoutMs`) and the write of
   * its result (2 × `commandTimeoutMs`), whichever is longer. Default 10 000. See docs/stores.md.
   */
  lockTtlMs?: number;
  /** How long a process waits for another's refresh before `LockTimeoutError`. Default 30 000. */
  lockWaitMs?: number;
  /** How long to wait for a connection before `RedisStoreError` (`OAUTH_REDIS_UNAVAILABLE`). Default 2 000. */
  connectTimeoutMs?: number;
  /** How long to wait for each command's reply before `RedisStoreError`. Default 2 000. */
  commandTimeoutMs?: number;
}

const KNOWN = new Set([
  'url',
  'client',
  'keyPrefix',
  'lockTtlMs',
  'lockWaitMs',
  'connectTimeoutMs',
  'commandTimeoutMs',
]);

function source(options: RedisTokenStoreOptions): RedisUrl | { client: RedisClientLike } {
  const { url, client } = options;
  if ((url === undefined) === (client === undefined)) {
    throw new OAuthValidationError('RedisTokenStore needs exactly one of { url } or { client }.');
  }
  if (client !== undefined) {
    if (client === null || typeof client.sendCommand !== 'function') {
      throw new OAuthValidationError('client must be a node-redis client (createClient() from "redis").');
    }
    return { client };
  }
  return parseRedisUrl(url);
}

/**
 * A `TokenStore` in Redis that lets several processes share grants safely: a refresh needed by
 * many processes at once is done by one of them, under a per-grant lock, and written with an
 * atomic compare-and-set, so a late or stale write never replaces newer tokens.
 *
 * Keys: `<keyPrefix>tokens:<key>` holds the grant's `TokenSetJSON`; `<keyPrefix>lock:<key>` is
 * its refresh lock. Every failure is a `RedisStoreError`, raised within the configured timeouts.
 */
export class RedisTokenStore implements TokenStore {
  /** Prepended to every key the store writes. */
  readonly keyPrefix: string;
  /** TTL of a refresh lock that its holder stopped extending. */
  readonly lockTtlMs: number;
  /** Longest wait for another process's refresh before `LockTimeoutError`. */
  readonly lockWaitMs: number;
  readonly #connection: RedisConnection;
  readonly #commandTimeoutMs: number;

  constructor(options: RedisTokenStoreOptions) {
    if (options === null || typeof options !== 'object') {
      throw new OAuthValidationError('RedisTokenStore needs { url } or { client }.');
    }
    for (const name of Object.keys(options)) {
      if (!KNOWN.has(name)) throw new OAuthValidationError(`Unknown RedisTokenStore option "${name}".`);
    }
    const prefix = options.keyPrefix ?? 'hellosign-oauth:';
    if (typeof prefix !== 'string') throw new OAuthValidationError('keyPrefix must be a string.');
    this.keyPrefix = prefix;
    this.lockTtlMs = timerMilliseconds(options.lockTtlMs, 'lockTtlMs', 10_000, 30);
    this.lockWaitMs = timerMilliseconds(options.lockWaitMs, 'lockWaitMs', 30_000, 0);
    this.#commandTimeoutMs = timerMilliseconds(options.commandTimeoutMs, 'commandTimeoutMs', 2_000, 1);
    this.#connection = new RedisConnection(source(options), {
      connectTimeoutMs: timerMilliseconds(options.connectTimeoutMs, 'connectTimeoutMs', 2_000, 1),
      commandTimeoutMs: this.#commandTimeoutMs,
    });
  }

  /** The grant's stored tokens, or `undefined`. */
  async get(key: string): Promise<TokenSetJSON | undefined> {
    const raw = await this.#connection.command(['GET', this.#tokensKey(key)]);
    if (raw === null || raw === undefined) return undefined;
    let value: unknown;
    try {
      value = typeof raw === 'string' ? JSON.parse(raw) : undefined;
    } catch {
      value = undefined;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new RedisStoreError(
        `The value stored under key ${JSON.stringify(key)} is not token JSON.`,
        'OAUTH_REDIS_BAD_VALUE',
      );
    }
    return value as TokenSetJSON;
  }

  /** Stores the grant's tokens, replacing any; resolves once Redis has them. */
  async set(key: string, tokens: TokenSetJSON): Promise<void> {
    await this.#connection.command(['SET', this.#tokensKey(key), JSON.stringify(tokens)], secretsOf(tokens));
  }

  /** Removes the grant's tokens (not a lock another process may hold). */
  async delete(key: string): Promise<void> {
    await this.#connection.command(['DEL', this.#tokensKey(key)]);
  }

  /** Atomically (one Lua script) writes `next` only if the stored tokens are still `expected`'s. */
  async compareAndSet(key: string, expected: TokenSetJSON, next: TokenSetJSON): Promise<boolean> {
    const wrote = await this.#connection.script(
      COMPARE_AND_SET,
      [this.#tokensKey(key)],
      [expected.accessToken, expected.refreshToken ?? '', JSON.stringify(next)],
      [...secretsOf(expected), ...secretsOf(next)],
    );
    return wrote === 1;
  }

  /**
   * Runs `task` while holding the grant's refresh lock, across every process sharing this Redis.
   * Waits at most `lockWaitMs` for it (`LockTimeoutError`). `TokenManager` reads the store again
   * inside the task, so a process that waited finds the holder's fresh tokens and does not refresh.
   */
  async runExclusive<T>(key: string, task: (lease?: RefreshLease) => Promise<T>): Promise<T> {
    const settings = { ttlMs: this.lockTtlMs, waitMs: this.lockWaitMs, commandTimeoutMs: this.#commandTimeoutMs };
    return withLock(this.#connection, this.#lockKey(key), key, settings, task);
  }

  /** Closes the connection the store created from `url`; a `client` passed in is left open. */
  close(): Promise<void> {
    return this.#connection.close();
  }

  #tokensKey(key: string): string {
    return `${this.keyPrefix}tokens:${validateKey(key)}`;
  }

  #lockKey(key: string): string {
    return `${this.keyPrefix}lock:${validateKey(key)}`;
  }
}

function secretsOf(tokens: TokenSetJSON): string[] {
  return [tokens.accessToken, tokens.refreshToken].filter((token): token is string => typeof token === 'string');
}
