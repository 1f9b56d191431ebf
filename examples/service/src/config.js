// The service's settings, from environment variables. With no HELLOSIGN_* variable set, it runs
// against the mock server bundled with hellosign-oauth, so it works out of the box.

/** The variables the service reads; HELLOSIGN_CLIENT_ID and friends are hellosign-oauth's own. */
export const VARIABLES = {
  clientId: 'HELLOSIGN_CLIENT_ID',
  clientSecret: 'HELLOSIGN_CLIENT_SECRET',
  oauthBaseUrl: 'HELLOSIGN_OAUTH_BASE_URL',
  apiBaseUrl: 'HELLOSIGN_API_BASE_URL',
  sessionSecret: 'SESSION_SECRET',
  redisUrl: 'REDIS_URL',
  databaseUrl: 'DATABASE_URL',
  tokenKeys: 'TOKEN_KEYS',
  publicUrl: 'PUBLIC_URL',
  port: 'PORT',
  host: 'HOST',
};

/** A setting the service cannot start with; the message names the variable, never its value. */
export class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ConfigError';
  }
}

const MIN_SESSION_SECRET_LENGTH = 32;
/** What hellosign-oauth/encryption accepts as a key id. */
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function read(env, name) {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** A comma-separated list, newest first; empty entries are mistakes, not gaps to skip. */
function list(env, name) {
  const value = read(env, name);
  if (value === undefined) return undefined;
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => entry === '')) throw new ConfigError(`${name} has an empty entry.`);
  return entries;
}

function absoluteUrl(env, name) {
  const value = read(env, name);
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString().replace(/\/$/, '');
  } catch {}
  throw new ConfigError(`${name} must be an absolute http(s) URL.`);
}

/** Where browsers reach the service: an origin, as the service serves its root and prints it at start. */
function publicOrigin(env) {
  const url = absoluteUrl(env, VARIABLES.publicUrl);
  if (url === undefined || new URL(url).origin === url) return url;
  throw new ConfigError(
    `${VARIABLES.publicUrl} must be an origin, such as https://app.example.com: no path, query or user.`,
  );
}

function storeUrl(env, name, protocols) {
  const value = read(env, name);
  if (value === undefined) return undefined;
  let protocol;
  try {
    protocol = new URL(value).protocol;
  } catch {}
  if (!protocols.includes(protocol)) {
    throw new ConfigError(`${name} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL.`);
  }
  return value;
}

function port(env) {
  const value = read(env, VARIABLES.port);
  if (value === undefined) return 3000;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) {
    throw new ConfigError(`${VARIABLES.port} must be a port number from 0 to 65535.`);
  }
  return number;
}

/** Cookie secrets, newest first: the first signs, every one is still accepted (rotation). */
function sessionSecrets(env) {
  const secrets = list(env, VARIABLES.sessionSecret);
  if (secrets?.some((secret) => secret.length < MIN_SESSION_SECRET_LENGTH)) {
    throw new ConfigError(
      `Each secret in ${VARIABLES.sessionSecret} must be at least ${MIN_SESSION_SECRET_LENGTH} characters.`,
    );
  }
  return secrets;
}

/**
 * `TOKEN_KEYS=<id>:<base64 key>,…`, newest first: tokens are written under the first key and read
 * under any. Returns encryptedStore's `{ keys, currentKeyId }`.
 */
function tokenKeys(env) {
  const entries = list(env, VARIABLES.tokenKeys);
  if (entries === undefined) return undefined;
  const keys = {};
  entries.forEach((entry, index) => {
    const at = entry.indexOf(':');
    const id = entry.slice(0, at);
    const key = entry.slice(at + 1);
    const where = `${VARIABLES.tokenKeys} entry ${index + 1}`;
    if (at < 0 || !KEY_ID.test(id))
      throw new ConfigError(`${where} must be <id>:<key>, the id 1-64 of A-Z a-z 0-9 _ -.`);
    if (id in keys) throw new ConfigError(`${where} repeats the key id ${id}.`);
    if (!BASE64.test(key) || Buffer.from(key, 'base64').length !== 32) {
      throw new ConfigError(`${where} (${id}) must be 32 bytes in base64: openssl rand -base64 32.`);
    }
    keys[id] = key;
  });
  return { keys, currentKeyId: entries[0].slice(0, entries[0].indexOf(':')) };
}

/**
 * Reads the settings. `mock` is true when no HELLOSIGN_* variable is set: the service then starts
 * the bundled mock server. Otherwise the client id and secret and a SESSION_SECRET are required.
 * A shared store (REDIS_URL or DATABASE_URL) needs TOKEN_KEYS: tokens are never stored in clear there.
 */
export function readConfig(env = process.env) {
  const hellosign = [VARIABLES.clientId, VARIABLES.clientSecret, VARIABLES.oauthBaseUrl, VARIABLES.apiBaseUrl];
  const mock = hellosign.every((name) => read(env, name) === undefined);
  const config = {
    mock,
    port: port(env),
    host: read(env, VARIABLES.host) ?? '127.0.0.1',
    publicUrl: publicOrigin(env),
    oauthBaseUrl: absoluteUrl(env, VARIABLES.oauthBaseUrl),
    apiBaseUrl: absoluteUrl(env, VARIABLES.apiBaseUrl),
    redisUrl: storeUrl(env, VARIABLES.redisUrl, ['redis:', 'rediss:']),
    databaseUrl: storeUrl(env, VARIABLES.databaseUrl, ['postgres:', 'postgresql:']),
    sessionSecrets: sessionSecrets(env),
    tokenKeys: tokenKeys(env),
  };
  if (!mock) {
    for (const name of [VARIABLES.clientId, VARIABLES.clientSecret]) {
      if (read(env, name) === undefined) throw new ConfigError(`${name} is not set.`);
    }
    // A random per-process secret would sign everyone out on each restart and differ between instances.
    if (config.sessionSecrets === undefined) throw new ConfigError(`${VARIABLES.sessionSecret} is not set.`);
  }
  if (config.redisUrl !== undefined && config.databaseUrl !== undefined) {
    throw new ConfigError(`Set ${VARIABLES.redisUrl} or ${VARIABLES.databaseUrl}, not both.`);
  }
  if ((config.redisUrl ?? config.databaseUrl) !== undefined && config.tokenKeys === undefined) {
    const store = config.redisUrl !== undefined ? VARIABLES.redisUrl : VARIABLES.databaseUrl;
    throw new ConfigError(`${VARIABLES.tokenKeys} is not set: with ${store}, refresh tokens are stored encrypted.`);
  }
  return config;
}
