import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RefreshLease } from '../session/store.js';
import type { RedisConnection } from './connection.js';
import { LockLostError, LockTimeoutError } from './errors.js';
import { EXTEND_LOCK, RELEASE_LOCK } from './scripts.js';

export interface LockSettings {
  ttlMs: number;
  waitMs: number;
  /** The store's per-command timeout: how long writing a refresh's result may take. */
  commandTimeoutMs: number;
}

/** Polls start fast (a refresh often takes tens of ms) and back off to this, with jitter. */
const MAX_POLL_MS = 100;

function pollDelay(attempt: number): number {
  const ceiling = Math.min(10 * 2 ** attempt, MAX_POLL_MS);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * Runs `task` while holding the lock at `lockKey` (`SET NX PX` with a random owner token), so one
 * process at a time runs it. Others poll until the lock is free or `waitMs` has passed
 * (`LockTimeoutError`). While the task runs the holder extends the lock every third of its TTL; a
 * holder that dies stops extending, so the lock frees itself within one TTL. The task gets the
 * lock as a `RefreshLease`. Release deletes the lock only if this holder still owns it.
 */
export async function withLock<T>(
  connection: RedisConnection,
  lockKey: string,
  grantKey: string,
  settings: LockSettings,
  task: (lease: RefreshLease) => Promise<T>,
): Promise<T> {
  const owner = randomBytes(16).toString('hex');
  const acquiredAt = await acquire(connection, lockKey, owner, grantKey, settings);
  const lease = new Lease(connection, lockKey, owner, grantKey, settings, acquiredAt);
  try {
    return await task(lease);
  } finally {
    lease.stop();
    // If Redis is gone the lock simply expires after its TTL; the task's outcome matters more.
    await connection.script(RELEASE_LOCK, [lockKey], [owner]).catch(() => {});
  }
}

/** Takes the lock, waiting at most `waitMs`; returns when the winning `SET` was sent, where its TTL starts at the latest. */
async function acquire(
  connection: RedisConnection,
  lockKey: string,
  owner: string,
  grantKey: string,
  settings: LockSettings,
): Promise<number> {
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    const sentAt = performance.now();
    const reply = await connection.command(['SET', lockKey, owner, 'NX', 'PX', String(settings.ttlMs)]);
    if (reply === 'OK') return sentAt;
    const left = settings.waitMs - (performance.now() - started);
    if (left <= 0) throw new LockTimeoutError(grantKey, settings.waitMs);
    await sleep(Math.min(pollDelay(attempt), left));
  }
}

/**
 * A held lock: extended every `ttlMs / 3`, confirmed (and lengthened) before each request, and
 * aborted, as seen from here, as soon as it is lost or may have lapsed. Its local deadline counts
 * from when each successful extension was sent, so it is never later than Redis's own.
 */
class Lease implements RefreshLease {
  readonly #controller = new AbortController();
  readonly signal = this.#controller.signal;
  readonly #connection: RedisConnection;
  readonly #lockKey: string;
  readonly #owner: string;
  readonly #grantKey: string;
  readonly #settings: LockSettings;
  readonly #extender: NodeJS.Timeout;
  #lapse: NodeJS.Timeout | undefined;
  #validUntil: number;
  #extending = false;

  constructor(
    connection: RedisConnection,
    lockKey: string,
    owner: string,
    grantKey: string,
    settings: LockSettings,
    acquiredAt: number,
  ) {
    this.#connection = connection;
    this.#lockKey = lockKey;
    this.#owner = owner;
    this.#grantKey = grantKey;
    this.#settings = settings;
    this.#validUntil = acquiredAt + settings.ttlMs;
    this.#armLapse();
    this.#extender = setInterval(() => this.#extendQuietly(), Math.max(1, Math.floor(settings.ttlMs / 3)));
    this.#extender.unref();
  }

  async confirm(attemptMs: number): Promise<void> {
    if (this.signal.aborted) throw this.signal.reason;
    // The result is written (compare-and-set, and a read on a lost race) after the answer comes.
    await this.#extend(Math.max(this.#settings.ttlMs, Math.ceil(attemptMs) + 2 * this.#settings.commandTimeoutMs));
  }

  stop(): void {
    clearInterval(this.#extender);
    clearTimeout(this.#lapse);
  }

  /** Extends the lock to `ttlMs`; throws (and aborts) if it was lost, throws the Redis error if Redis failed. */
  async #extend(ttlMs: number): Promise<void> {
    const sentAt = performance.now();
    const extended = await this.#connection.script(EXTEND_LOCK, [this.#lockKey], [this.#owner, String(ttlMs)]);
    if (extended !== 1) {
      this.#lose('another process holds it now');
      throw this.signal.reason;
    }
    this.#validUntil = Math.max(this.#validUntil, sentAt + ttlMs);
    this.#armLapse();
  }

  #extendQuietly(): void {
    if (this.#extending || this.signal.aborted) return;
    this.#extending = true;
    this.#extend(this.#settings.ttlMs)
      // A failed extension is retried next tick; the lapse timer aborts if the lock runs out meanwhile.
      .catch(() => {})
      .finally(() => {
        this.#extending = false;
      });
  }

  /** Aborts when the lock may have run out in Redis without a successful extension. */
  #armLapse(): void {
    clearTimeout(this.#lapse);
    this.#lapse = setTimeout(
      () => this.#lose('it lapsed: no extension succeeded in time'),
      this.#validUntil - performance.now(),
    );
    this.#lapse.unref();
  }

  #lose(how: string): void {
    if (this.signal.aborted) return;
    this.stop();
    this.#controller.abort(new LockLostError(this.#grantKey, how));
  }
}
