/**
 * `hellosign-oauth/redis`: a `TokenStore` in Redis for services that run several instances.
 * Needs the optional peer dependency `redis` (node-redis 6.2+); the main entry never loads it.
 */
// Build layout, not an API dependency: every entry point imports the main one, so the bundler
// emits the core as one shared chunk and `require('hellosign-oauth')` reads two files (tsup.config.ts).
import '../index.js';

export type { RedisClientLike } from './connection.js';
export { LockLostError, LockTimeoutError, RedisAuthError, RedisStoreError } from './errors.js';
export { RedisTokenStore, type RedisTokenStoreOptions } from './store.js';
