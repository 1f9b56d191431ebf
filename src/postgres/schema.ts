import { OAuthValidationError } from '../client/errors.js';

/** The table a `PostgresTokenStore` uses unless told otherwise. */
export const DEFAULT_TABLE = 'hellosign_oauth_grants';

/** Plain SQL identifiers only (`table` or `schema.table`): nothing that needs escaping, no injection. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Validates a table name and returns it quoted for SQL (`"schema"."table"`). */
export function quotedTable(table: unknown): string {
  if (typeof table !== 'string') throw new OAuthValidationError('table must be a string.');
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new OAuthValidationError(
      'table must be a plain SQL name, optionally schema-qualified ("grants" or "auth.grants"): letters, digits and _, at most 63 each.',
    );
  }
  return parts.map((part) => `"${part}"`).join('.');
}

/**
 * The SQL that creates the grants table: what `ensureSchema()` runs, for teams that manage their
 * schema with their own migrations. `tokens` holds a grant's `TokenSetJSON`; the store compares
 * its `accessToken` and `refreshToken` for compare-and-set.
 */
export function postgresSchemaSql(table: string = DEFAULT_TABLE): string {
  return `CREATE TABLE IF NOT EXISTS ${quotedTable(table)} (
  key text PRIMARY KEY,
  tokens jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);`;
}
