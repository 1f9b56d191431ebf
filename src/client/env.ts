import { OAuthValidationError } from './errors.js';
import type { OAuthClientOptions } from './options.js';

/** The environment variables `OAuthClient.fromEnv` and the CLI read. */
export const ENV = {
  clientId: 'HELLOSIGN_CLIENT_ID',
  clientSecret: 'HELLOSIGN_CLIENT_SECRET',
  baseUrl: 'HELLOSIGN_OAUTH_BASE_URL',
} as const;

/**
 * Reads credentials from the environment. A variable is only required when `overrides` does not
 * supply that value; a missing one is named in the error, its value never is.
 */
export function readClientEnv(
  env: NodeJS.ProcessEnv,
  overrides: Partial<OAuthClientOptions> = {},
): Pick<OAuthClientOptions, 'clientId' | 'clientSecret' | 'baseUrl'> {
  if (env === null || typeof env !== 'object')
    throw new OAuthValidationError('env must be an object (like process.env).');
  const read = (name: string, required: boolean): string | undefined => {
    const value: unknown = env[name];
    if (value !== undefined && typeof value !== 'string') {
      throw new OAuthValidationError(`Environment variable ${name} must be a string.`);
    }
    if (value === undefined || value.trim() === '') {
      if (required) throw new OAuthValidationError(`Environment variable ${name} is not set.`, 'OAUTH_MISSING_ENV');
      return undefined;
    }
    return value;
  };
  const out: Pick<OAuthClientOptions, 'clientId' | 'clientSecret' | 'baseUrl'> = {
    clientId: overrides.clientId ?? (read(ENV.clientId, true) as string),
    clientSecret: overrides.clientSecret ?? (read(ENV.clientSecret, true) as string),
  };
  const baseUrl = overrides.baseUrl ?? read(ENV.baseUrl, false);
  if (baseUrl !== undefined) out.baseUrl = baseUrl;
  return out;
}
