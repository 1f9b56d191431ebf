import { OAuthClient } from '../client/client.js';
import { ENV } from '../client/env.js';
import type { OAuthClientOptions } from '../client/options.js';
import type { TokenSet } from '../client/tokens.js';
import { type OptionSpec, type OptionValues, text } from './command.js';
import { type CliIo, UsageError } from './io.js';
import { type SecretInput, secretOptions } from './secret-input.js';

/** Flags every command that talks to the OAuth server takes. */
export const CLIENT_OPTIONS: OptionSpec = {
  'client-id': { type: 'string' },
  ...secretOptions('client-secret'),
  'base-url': { type: 'string' },
  'allow-insecure-http': { type: 'boolean' },
};

export const CLIENT_HELP = `Credentials and server:
  --client-id ID           default: $${ENV.clientId}
  --client-secret-stdin    read the client secret from stdin (also: --client-secret -)
  --client-secret SECRET   default: $${ENV.clientSecret} (prefer the variable or stdin: flags show up in ps)
  --base-url URL           default: $${ENV.baseUrl}, else https://app.hellosign.com
  --allow-insecure-http    allow an http:// base URL on a loopback host (for the mock server)`;

/**
 * The client for a command, from flags first and the environment second. The client secret
 * comes from its flag, stdin or $HELLOSIGN_CLIENT_SECRET, and is registered for scrubbing as
 * soon as it is read.
 */
export async function createClient(
  values: OptionValues,
  io: CliIo,
  input: SecretInput,
  { needsSecret = true } = {},
): Promise<OAuthClient> {
  const overrides: Partial<OAuthClientOptions> = {};
  const clientId = text(values, 'client-id');
  const baseUrl = text(values, 'base-url');
  if (clientId !== undefined) overrides.clientId = clientId;
  if (needsSecret) {
    const clientSecret = await input.read('client-secret', { env: ENV.clientSecret });
    if (clientSecret) overrides.clientSecret = clientSecret;
  } else {
    // Building the authorize URL never sends the secret, so none is required for it.
    overrides.clientSecret = 'not-needed-for-the-authorize-url';
  }
  if (baseUrl !== undefined) overrides.baseUrl = baseUrl;
  const apiBaseUrl = text(values, 'api-base-url');
  if (apiBaseUrl !== undefined) overrides.apiBaseUrl = apiBaseUrl;
  if (values['allow-insecure-http'] === true) overrides.allowInsecureHttp = true;
  else if ((baseUrl ?? io.env[ENV.baseUrl] ?? '').startsWith('http:')) {
    throw new UsageError('An http:// base URL needs --allow-insecure-http (loopback hosts only).');
  }
  return OAuthClient.fromEnv(overrides, io.env);
}

/** The flag's value, or a usage error naming it. */
export function required(values: OptionValues, name: string): string {
  const value = text(values, name);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required.`);
  return value;
}

/** Writes tokens as JSON on stdout, every field present (null when unknown). */
export function printTokens(io: CliIo, tokens: TokenSet): void {
  io.stdout.write(tokensFileText(tokens));
}

/** Tokens as the CLI prints and stores them: indented JSON, every field present (null when unknown). */
export function tokensFileText(tokens: TokenSet): string {
  const json = tokens.toJSON();
  const out = {
    accessToken: json.accessToken,
    refreshToken: json.refreshToken ?? null,
    tokenType: json.tokenType,
    expiresIn: json.expiresIn ?? null,
    expiresAt: json.expiresAt ?? null,
    state: json.state ?? null,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
