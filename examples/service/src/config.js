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

function read(env, name) {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
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

function port(env) {
  const value = read(env, VARIABLES.port);
  if (value === undefined) return 3000;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) {
    throw new ConfigError(`${VARIABLES.port} must be a port number from 0 to 65535.`);
  }
  return number;
}

/**
 * Reads the settings. `mock` is true when no HELLOSIGN_* variable is set: the service then starts
 * the bundled mock server. Otherwise the client id and secret and a SESSION_SECRET are required.
 */
export function readConfig(env = process.env) {
  const hellosign = [VARIABLES.clientId, VARIABLES.clientSecret, VARIABLES.oauthBaseUrl, VARIABLES.apiBaseUrl];
  const mock = hellosign.every((name) => read(env, name) === undefined);
  const config = {
    mock,
    port: port(env),
    host: read(env, VARIABLES.host) ?? '127.0.0.1',
    publicUrl: absoluteUrl(env, VARIABLES.publicUrl),
    oauthBaseUrl: absoluteUrl(env, VARIABLES.oauthBaseUrl),
    apiBaseUrl: absoluteUrl(env, VARIABLES.apiBaseUrl),
    redisUrl: read(env, VARIABLES.redisUrl),
    sessionSecret: read(env, VARIABLES.sessionSecret),
  };
  if (!mock) {
    for (const name of [VARIABLES.clientId, VARIABLES.clientSecret]) {
      if (read(env, name) === undefined) throw new ConfigError(`${name} is not set.`);
    }
    // A random per-process secret would sign everyone out on each restart and differ between instances.
    if (config.sessionSecret === undefined) throw new ConfigError(`${VARIABLES.sessionSecret} is not set.`);
  }
  if (config.sessionSecret !== undefined && config.sessionSecret.length < MIN_SESSION_SECRET_LENGTH) {
    throw new ConfigError(`${VARIABLES.sessionSecret} must be at least ${MIN_SESSION_SECRET_LENGTH} characters.`);
  }
  return config;
}
