import { TokenSet, type TokenSetJSON } from '../client/tokens.js';

/** A `TokenSet` parsed from a stored object, with the field values it was parsed from. */
interface Parsed {
  readonly accessToken: unknown;
  readonly refreshToken: unknown;
  readonly tokenType: unknown;
  readonly expiresIn: unknown;
  readonly expiresAt: unknown;
  readonly state: unknown;
  readonly tokens: TokenSet;
}

/**
 * Keyed by the object a store handed back, so an entry lives exactly as long as that object: a
 * store that keeps one object per grant (`MemoryTokenStore`) is parsed once per write, not once per
 * read, and a store that parses a fresh object per read costs one entry that dies with it.
 */
const parsed = new WeakMap<object, Parsed>();

/**
 * `TokenSet.fromJSON(stored)`, reusing the `TokenSet` parsed last time the store handed back this
 * same object, and only while every field `fromJSON` reads still holds the value it was parsed from
 * (a store may change an object in place). For the session's own use only: the `TokenSet` is shared
 * between calls, so it must never reach a caller, who could change its `expiresAt` date.
 */
export function sharedTokenSet(stored: TokenSetJSON | string): TokenSet {
  if (stored === null || typeof stored !== 'object') return TokenSet.fromJSON(stored);
  const { accessToken, refreshToken, tokenType, expiresIn, expiresAt, state } = stored as unknown as Record<
    string,
    unknown
  >;
  const hit = parsed.get(stored);
  if (
    hit !== undefined &&
    hit.accessToken === accessToken &&
    hit.refreshToken === refreshToken &&
    hit.tokenType === tokenType &&
    Object.is(hit.expiresIn, expiresIn) &&
    hit.expiresAt === expiresAt &&
    hit.state === state
  ) {
    return hit.tokens;
  }
  // Parsed from the values just compared (read once), so a hit next time means the same result.
  const fields = { accessToken, refreshToken, tokenType, expiresIn, expiresAt, state } as unknown as TokenSetJSON;
  const tokens = TokenSet.fromJSON(fields);
  parsed.set(stored, { accessToken, refreshToken, tokenType, expiresIn, expiresAt, state, tokens });
  return tokens;
}
