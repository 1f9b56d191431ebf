import { createHash } from 'node:crypto';

/** A Lua script, run by its SHA-1 (`EVALSHA`) and sent in full only when Redis lacks it. */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * KEYS[1] = tokens key; ARGV = expected access token, expected refresh token ('' for none), next JSON.
 * Writes only while the stored grant still holds the expected tokens, the same rule as
 * `MemoryTokenStore.compareAndSet`: each refresh yields a new access token, so the token pair is
 * the grant's version. Returns 1 when it wrote, 0 otherwise.
 */
export const COMPARE_AND_SET = script(`
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, stored = pcall(cjson.decode, raw)
if not ok or type(stored) ~= 'table' then return 0 end
local refresh = stored.refreshToken
if type(refresh) ~= 'string' then refresh = '' end
if stored.accessToken ~= ARGV[1] or refresh ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[3])
return 1
`);

/** KEYS[1] = lock key; ARGV[1] = owner. Deletes the lock only while this owner holds it. */
export const RELEASE_LOCK = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * KEYS[1] = lock key; ARGV = owner, TTL in ms. While this owner holds the lock, makes it live at
 * least the TTL more (never shortens it: a confirmation before a request may have lengthened it
 * past the periodic extension's TTL) and returns 1; returns 0 when the owner lost it.
 */
export const EXTEND_LOCK = script(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`);
