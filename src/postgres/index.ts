/**
 * `hellosign-oauth/postgres`: a `TokenStore` in PostgreSQL for services that run several
 * instances. Needs the optional peer dependency `pg` (node-postgres 8); the main entry never loads it.
 */
// Build layout, not an API dependency: every entry point imports the main one, so the bundler
// emits the core as one shared chunk and `require('hellosign-oauth')` reads two files (tsup.config.ts).
import '../index.js';

export type { PostgresPoolClientLike, PostgresPoolLike, PostgresQueryResult } from './connection.js';
export { PostgresLockTimeoutError, PostgresStoreError } from './errors.js';
export { DEFAULT_TABLE, postgresSchemaSql } from './schema.js';
export { PostgresTokenStore, type PostgresTokenStoreOptions } from './store.js';
