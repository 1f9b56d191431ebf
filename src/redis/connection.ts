import { createClient } from 'redis';
import { OAuthError, OAuthValidationError, sanitizedCause } from '../client/errors.js';
import { RedisAuthError, RedisStoreError } from './errors.js';
import type { Script } from './scripts.js';
import type { RedisUrl } from './url.js';

/**
 * The part of a node-redis client (`createClient()` from `redis` 6.2+) the store uses. Pass your own
 * client to share its connection, TLS and auth settings; the store never opens or closes it.
 */
export interface RedisClientLike {
  /** True from `connect()` until `close()`, also while reconnecting. */
  readonly isOpen: boolean;
  /** True while connected and able to run commands. */
  readonly isReady: boolean;
  /** Sends a raw command (`['GET', key]`); the store needs nothing else to talk to Redis. */
  sendCommand(args: string[]): Promise<unknown>;
  /** Watched while waiting for a reconnecting client, to fail fast on its next error. */
  on(event: 'ready' | 'error', listener: (...args: unknown[]) => void): unknown;
  /** Stops watching (see `on`). */
  off(event: 'ready' | 'error', listener: (...args: unknown[]) => void): unknown;
}

interface OwnedClient extends RedisClientLike {
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
}

export interface ConnectionSettings {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

/** Reconnect attempts back off to half a second: short enough that a restarted Redis is picked up fast. */
function reconnectDelay(retries: number): number {
  return Math.min(25 * 2 ** retries, 500) + Math.floor(Math.random() * 50);
}

/**
 * True for an error reply from Redis: it is up but refused the command. Checked by class name, as
 * a client passed in may come from another copy of `redis` than the one this module loads.
 */
function isErrorReply(error: unknown): boolean {
  for (let proto = Object.getPrototypeOf(error); proto; proto = Object.getPrototypeOf(proto)) {
    if (proto.constructor?.name === 'ErrorReply') return true;
  }
  return false;
}

function unavailable(message: string, cause?: unknown): RedisStoreError {
  return new RedisStoreError(message, 'OAUTH_REDIS_UNAVAILABLE', cause === undefined ? undefined : { cause });
}

/** Redis's replies to a wrong password (`WRONGPASS`) or to a command sent without one (`NOAUTH`). */
function isAuthFailure(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && (message.startsWith('WRONGPASS') || message.startsWith('NOAUTH'));
}

/**
 * One Redis client and the rules for using it: wait for it to be ready at most `connectTimeoutMs`,
 * give each command at most `commandTimeoutMs`, and turn every failure into a `RedisStoreError`,
 * so a Redis outage reaches callers as a prompt error rather than a hang.
 */
export class RedisConnection {
  readonly #client: RedisClientLike;
  /** Set only for a client this connection created, and so may open and close. */
  readonly #owned: OwnedClient | undefined;
  readonly #settings: ConnectionSettings;
  /** The URL's password: Redis does not echo it, but every error is scrubbed of it all the same. */
  readonly #password: string | undefined;
  #closed = false;
  #readyWait: Promise<void> | undefined;

  constructor(source: RedisUrl | { client: RedisClientLike }, settings: ConnectionSettings) {
    this.#settings = settings;
    if ('client' in source) {
      this.#client = source.client;
      return;
    }
    this.#password = source.password;
    let owned: OwnedClient;
    try {
      owned = createClient({
        url: source.url,
        // Commands fail at once while disconnected instead of queueing until Redis returns.
        disableOfflineQueue: true,
        socket: { connectTimeout: settings.connectTimeoutMs, reconnectStrategy: reconnectDelay },
      }) as unknown as OwnedClient;
    } catch {
      // The client's own error quotes the URL, password and all; `parseRedisUrl` catches the known cases first.
      throw new OAuthValidationError(
        'url was refused by the redis client (the URL is not shown: it may hold a password).',
      );
    }
    // Failures reach callers as RedisStoreError; without a listener an 'error' event would crash the process.
    owned.on('error', () => {});
    this.#client = owned;
    this.#owned = owned;
  }

  /** Sends one command. `secrets` are scrubbed from any error it causes. */
  async command(args: string[], secrets: readonly (string | undefined)[] = []): Promise<unknown> {
    await this.#ready();
    try {
      return await this.#withTimeout(this.#client.sendCommand(args));
    } catch (error) {
      throw this.#failure(args[0], error, secrets);
    }
  }

  /** Runs a Lua script by SHA-1, loading it with `EVAL` when Redis does not have it cached. */
  async script(script: Script, keys: string[], args: string[], secrets: readonly string[] = []): Promise<unknown> {
    await this.#ready();
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.#withTimeout(this.#client.sendCommand(['EVALSHA', script.sha, ...tail]));
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) {
        throw this.#failure('EVALSHA', error, secrets);
      }
    }
    try {
      return await this.#withTimeout(this.#client.sendCommand(['EVAL', script.source, ...tail]));
    } catch (error) {
      throw this.#failure('EVAL', error, secrets);
    }
  }

  /** Closes the client if this connection created it; a client passed in stays open. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const owned = this.#owned;
    if (!owned?.isOpen) return;
    // Not connected (or still connecting): there is nothing to let finish.
    if (!owned.isReady) {
      owned.destroy();
      return;
    }
    // `close` lets pending commands finish; if Redis stopped answering, drop the socket instead.
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.#settings.commandTimeoutMs);
    });
    const closed = owned.close().then(
      () => false,
      () => true,
    );
    const forced = await Promise.race([closed, gaveUp]);
    clearTimeout(timer);
    if (forced && owned.isOpen) owned.destroy();
  }

  async #ready(): Promise<void> {
    if (this.#closed) throw new RedisStoreError('The RedisTokenStore is closed.', 'OAUTH_REDIS_CLOSED');
    const client = this.#client;
    if (client.isReady) return;
    if (!client.isOpen) {
      if (!this.#owned) {
        throw unavailable('The Redis client given to RedisTokenStore is not open; call client.connect() first.');
      }
      // node-redis keeps reconnecting in the background from here on, until close().
      this.#owned.connect().catch(() => {});
    }
    // One wait shared by every caller: a listener pair per caller would pass Node's limit of ten
    // (MaxListenersExceededWarning) as soon as a few requests arrive while Redis is away.
    this.#readyWait ??= this.#whenReady(client).finally(() => {
      this.#readyWait = undefined;
    });
    await this.#readyWait;
  }

  /** Resolves when the client is ready; rejects on its next error or after `connectTimeoutMs`. */
  #whenReady(client: RedisClientLike): Promise<void> {
    const timeoutMs = this.#settings.connectTimeoutMs;
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: RedisStoreError) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('error', onError);
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => settle();
      const onError = (error: unknown) => {
        const cause = sanitizedCause(error, [this.#password]);
        settle(
          isAuthFailure(error)
            ? new RedisAuthError(cause)
            : unavailable(`Redis is unreachable: ${cause.message}`, cause),
        );
      };
      const timer = setTimeout(() => settle(unavailable(`Redis was not ready within ${timeoutMs} ms.`)), timeoutMs);
      client.on('ready', onReady);
      client.on('error', onError);
    });
  }

  async #withTimeout<T>(reply: Promise<T>): Promise<T> {
    const timeoutMs = this.#settings.commandTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(unavailable(`Redis did not answer within ${timeoutMs} ms.`)), timeoutMs);
    });
    // A reply that comes after the deadline is dropped, and so is its error.
    reply.catch(() => {});
    try {
      return await Promise.race([reply, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  #failure(command: string, error: unknown, secrets: readonly (string | undefined)[]): OAuthError {
    if (error instanceof OAuthError) return error;
    const cause = sanitizedCause(error, [...secrets, this.#password]);
    if (isAuthFailure(error)) return new RedisAuthError(cause);
    const code = isErrorReply(error) ? 'OAUTH_REDIS_ERROR' : 'OAUTH_REDIS_UNAVAILABLE';
    return new RedisStoreError(`Redis ${command} failed: ${cause.message}`, code, { cause });
  }
}
