// Where grants and sessions live: in memory (one instance), or shared by every instance in Redis
// (REDIS_URL) or PostgreSQL (DATABASE_URL). A shared store keeps tokens encrypted with
// hellosign-oauth/encryption under TOKEN_KEYS, so the database, its backups and replicas hold no token.
import { once } from 'node:events';
import { encryptedStore } from 'hellosign-oauth/encryption';
import { memorySessions, postgresSessions, redisSessions } from './sessions.js';

/** Everything the service writes to Redis starts with this, so it can share a Redis with other apps. */
export const REDIS_PREFIX = 'hellosign-example:';
/** The service's own table beside hellosign-oauth's `hellosign_oauth_grants`. */
export const SESSIONS_TABLE = 'hellosign_example_sessions';

/** An error to show at startup: the store's own, without a URL (it may hold a password). */
class StoreUnavailableError extends Error {
  constructor(variable, cause) {
    super(`Cannot reach the store at ${variable}: ${cause?.code ?? cause?.name ?? 'error'}.`);
    this.name = 'StoreUnavailableError';
  }
}

function memory() {
  return { store: undefined, sessions: memorySessions(), rotateTokenKeys: undefined, close: async () => {} };
}

async function redis(url, tokenKeys) {
  // Loaded only when used: the redis and postgres modes need their driver package.
  const [{ createClient }, { RedisTokenStore }] = await Promise.all([import('redis'), import('hellosign-oauth/redis')]);
  let client;
  try {
    // It reads the URL here, and a URL it cannot read throws: that too must not print the URL.
    client = createClient({ url, disableOfflineQueue: true, socket: { connectTimeout: 5000 } });
  } catch (error) {
    throw new StoreUnavailableError('REDIS_URL', error);
  }
  // Failures reach the requests that hit them; without a listener an 'error' event ends the process.
  client.on('error', () => {});
  // connect() keeps retrying while Redis is away; at start, the first failure is the answer.
  const connecting = client.connect();
  connecting.catch(() => {});
  try {
    await Promise.race([
      connecting,
      once(client, 'error').then(([error]) => {
        throw error;
      }),
    ]);
  } catch (error) {
    client.destroy();
    throw new StoreUnavailableError('REDIS_URL', error);
  }
  const store = encryptedStore(new RedisTokenStore({ client, keyPrefix: REDIS_PREFIX }), tokenKeys);
  const tokensPrefix = `${REDIS_PREFIX}tokens:`;
  async function* grantKeys() {
    for await (const batch of client.scanIterator({ MATCH: `${tokensPrefix}*`, COUNT: 500 })) {
      for (const key of batch) yield key.slice(tokensPrefix.length);
    }
  }
  return {
    store,
    sessions: redisSessions(client, `${REDIS_PREFIX}sessions`),
    rotateTokenKeys: () => store.rotate(grantKeys()),
    close: () => client.close(),
  };
}

async function postgres(connectionString, tokenKeys) {
  const [{ default: pg }, { PostgresTokenStore }] = await Promise.all([
    import('pg'),
    import('hellosign-oauth/postgres'),
  ]);
  const pool = new pg.Pool({ connectionString, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {});
  const tokens = new PostgresTokenStore({ pool });
  const sessions = postgresSessions(pool, SESSIONS_TABLE);
  try {
    await tokens.ensureSchema();
    await sessions.create();
  } catch (error) {
    await pool.end();
    throw new StoreUnavailableError('DATABASE_URL', error);
  }
  const store = encryptedStore(tokens, tokenKeys);
  return {
    store,
    sessions,
    // PostgresTokenStore lists its grants itself.
    rotateTokenKeys: () => store.rotate(),
    close: () => pool.end(),
  };
}

/**
 * Opens the store the settings name: `{ store, sessions, rotateTokenKeys, close }`. `store` is
 * undefined in memory (the TokenManager's default); `rotateTokenKeys()` re-encrypts every grant
 * under the newest of TOKEN_KEYS and is undefined in memory, where nothing is encrypted.
 */
export async function openStorage(config) {
  if (config.redisUrl !== undefined) return redis(config.redisUrl, config.tokenKeys);
  if (config.databaseUrl !== undefined) return postgres(config.databaseUrl, config.tokenKeys);
  return memory();
}
