import type { LockSession, PostgresConnection } from './connection.js';
import { PostgresLockTimeoutError } from './errors.js';

export interface LockSettings {
  /** How long a holder that stops answering keeps the lock: PostgreSQL ends its session then. */
  ttlMs: number;
  waitMs: number;
}

/** SQLSTATE lock_not_available: `lock_timeout` ran out. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Runs `task` while holding a session-level advisory lock on a connection opened for it alone.
 *
 * - No TTL to wait out after a crash: a holder that dies closes its socket, and PostgreSQL frees
 *   its locks at once; waiters blocked in `pg_advisory_lock` wake up the same moment.
 * - No transaction is held open across the task (the refresh's HTTP request); the lock lives in
 *   the session, and `idle_session_timeout` bounds it: the holder pings while its task runs, so
 *   only a holder that stops answering (frozen, cut off) loses the lock, after `ttlMs`.
 * - Waiters give up after `waitMs` (`lock_timeout`), with `PostgresLockTimeoutError`.
 */
export async function withAdvisoryLock<T>(
  connection: PostgresConnection,
  lockName: string,
  grantKey: string,
  settings: LockSettings,
  task: () => Promise<T>,
): Promise<T> {
  const session = await connection.openLockSession('take the refresh lock');
  try {
    await acquire(session, lockName, grantKey, settings);
    const stopPinging = keepAlive(session, settings.ttlMs);
    try {
      return await task();
    } finally {
      stopPinging();
    }
  } finally {
    // Ending the session releases the lock; if PostgreSQL is gone, so is the lock.
    await session.end();
  }
}

async function acquire(session: LockSession, lockName: string, grantKey: string, settings: LockSettings) {
  // Integers only, validated by the store: safe to inline in SET, which takes no parameters.
  await session.query(`SET idle_session_timeout = ${settings.ttlMs}`);
  if (settings.waitMs === 0) {
    const { rows } = await session.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [lockName]);
    if (rows[0]?.locked !== true) throw new PostgresLockTimeoutError(grantKey, 0);
    return;
  }
  await session.query(`SET lock_timeout = ${settings.waitMs}`);
  try {
    await session.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockName], settings.waitMs);
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    if (cause?.code === LOCK_NOT_AVAILABLE) throw new PostgresLockTimeoutError(grantKey, settings.waitMs);
    throw error;
  }
}

/** Keeps the lock's session from idling out while the task runs; stops if the session is lost. */
function keepAlive(session: LockSession, ttlMs: number): () => void {
  let busy = false;
  const timer = setInterval(
    () => {
      if (busy) return;
      if (session.lost) {
        // The lock is gone with its session; compare-and-set keeps this holder's write honest.
        clearInterval(timer);
        return;
      }
      busy = true;
      session
        .query('SELECT 1')
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
