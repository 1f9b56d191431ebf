import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisConnection } from './connection.js';
import { LockTimeoutError } from './errors.js';
import { EXTEND_LOCK, RELEASE_LOCK } from './scripts.js';

export interface LockSettings {
  ttlMs: number;
  waitMs: number;
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
 * holder that dies stops extending, so the lock frees itself within one TTL. Release deletes the
 * lock only if this holder still owns it.
 */
export async function withLock<T>(
  connection: RedisConnection,
  lockKey: string,
  grantKey: string,
  settings: LockSettings,
  task: () => Promise<T>,
): Promise<T> {
  const owner = randomBytes(16).toString('hex');
  await acquire(connection, lockKey, owner, grantKey, settings);
  const stopExtending = keepExtending(connection, lockKey, owner, settings.ttlMs);
  try {
    return await task();
  } finally {
    stopExtending();
    // If Redis is gone the lock simply expires after its TTL; the task's outcome matters more.
    await connection.script(RELEASE_LOCK, [lockKey], [owner]).catch(() => {});
  }
}

async function acquire(
  connection: RedisConnection,
  lockKey: string,
  owner: string,
  grantKey: string,
  settings: LockSettings,
): Promise<void> {
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    const reply = await connection.command(['SET', lockKey, owner, 'NX', 'PX', String(settings.ttlMs)]);
    if (reply === 'OK') return;
    const left = settings.waitMs - (performance.now() - started);
    if (left <= 0) throw new LockTimeoutError(grantKey, settings.waitMs);
    await sleep(Math.min(pollDelay(attempt), left));
  }
}

/** Extends the lock every `ttlMs / 3` until stopped or until the lock turns out to be lost. */
function keepExtending(connection: RedisConnection, lockKey: string, owner: string, ttlMs: number): () => void {
  let busy = false;
  const timer = setInterval(
    () => {
      if (busy) return;
      busy = true;
      connection
        .script(EXTEND_LOCK, [lockKey], [owner, String(ttlMs)])
        // Lost (it expired and someone else took it): stop; compare-and-set keeps this holder's write honest.
        .then((extended) => extended === 0 && clearInterval(timer))
        // A failed extension is retried next tick; if Redis stays away the lock expires, as it should.
        .catch(() => {})
        .finally(() => {
          busy = false;
        });
    },
    Math.max(1, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  return () => clearInterval(timer);
}
