// When each browser session ends, kept beside the grants so that a grant whose session is gone
// (the cookie expired, or the browser dropped it) can be deleted: the TokenStore alone cannot tell.
// One registry per store, each with the store's own means: a Map, a Redis sorted set, a table.
// Every registry has `add(key, expiresAt)`, `remove(key)`, `expiresAt(key)` and `expired(now, limit)`,
// with times in ms since the epoch.

/** For the in-memory store: the registry dies with the process, as the grants do. */
export function memorySessions() {
  const ends = new Map();
  return {
    async add(key, expiresAt) {
      ends.set(key, expiresAt);
    },
    async remove(key) {
      ends.delete(key);
    },
    async expiresAt(key) {
      return ends.get(key);
    },
    async expired(now, limit) {
      const keys = [];
      for (const [key, expiresAt] of ends) {
        if (expiresAt <= now) keys.push(key);
        if (keys.length === limit) break;
      }
      return keys;
    },
  };
}

/** How long a registry command may take: a frozen server fails the request instead of holding it. */
export const COMMAND_TIMEOUT_MS = 2000;

class SessionStoreTimeoutError extends Error {
  constructor() {
    super(`The session store did not answer within ${COMMAND_TIMEOUT_MS} ms.`);
    this.name = 'SessionStoreTimeoutError';
    this.code = 'SESSION_STORE_TIMEOUT';
  }
}

/** A sorted set scored by expiry, so the expired sessions are one ZRANGEBYSCORE away. */
export function redisSessions(client, name) {
  // Every command here is idempotent, so one that lands after its timeout does no harm.
  async function send(args) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new SessionStoreTimeoutError()), COMMAND_TIMEOUT_MS);
    });
    try {
      return await Promise.race([client.sendCommand(args), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
  return {
    async add(key, expiresAt) {
      await send(['ZADD', name, String(expiresAt), key]);
    },
    async remove(key) {
      await send(['ZREM', name, key]);
    },
    async expiresAt(key) {
      const score = await send(['ZSCORE', name, key]);
      return score === null ? undefined : Number(score);
    },
    async expired(now, limit) {
      return send(['ZRANGEBYSCORE', name, '-inf', String(now), 'LIMIT', '0', String(limit)]);
    },
  };
}

/** A table of the service's own, indexed by expiry, next to hellosign-oauth's grants table. */
export function postgresSessions(pool, table) {
  const query = (text, values) => pool.query({ text, values, query_timeout: COMMAND_TIMEOUT_MS });
  return {
    async create() {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // Concurrent CREATE … IF NOT EXISTS can collide in the catalog when several instances start.
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`schema:${table}`]);
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${table} (grant_key text PRIMARY KEY, expires_at timestamptz NOT NULL)`,
        );
        await client.query(`CREATE INDEX IF NOT EXISTS ${table}_expires_at ON ${table} (expires_at)`);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async add(key, expiresAt) {
      await query(
        `INSERT INTO ${table} (grant_key, expires_at) VALUES ($1, $2)
         ON CONFLICT (grant_key) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
        [key, new Date(expiresAt)],
      );
    },
    async remove(key) {
      await query(`DELETE FROM ${table} WHERE grant_key = $1`, [key]);
    },
    async expiresAt(key) {
      const { rows } = await query(`SELECT expires_at FROM ${table} WHERE grant_key = $1`, [key]);
      return rows[0]?.expires_at.getTime();
    },
    async expired(now, limit) {
      const { rows } = await query(
        `SELECT grant_key FROM ${table} WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2`,
        [new Date(now), limit],
      );
      return rows.map((row) => row.grant_key);
    },
  };
}

/**
 * Deletes the grants whose session has ended, through the TokenManager, then forgets the session;
 * a crash in between leaves the session listed, so the next sweep deletes the grant again.
 * Returns how many it deleted.
 */
export async function sweepEndedSessions({ manager, sessions, now, batch = 100 }) {
  let deleted = 0;
  for (;;) {
    const keys = await sessions.expired(now(), batch);
    for (const key of keys) {
      await manager.delete(key);
      await sessions.remove(key);
    }
    deleted += keys.length;
    if (keys.length < batch) return deleted;
  }
}
