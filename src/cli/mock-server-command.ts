import { ENV } from '../client/env.js';
import type { ConsentMode } from '../testing/consent-page.js';
import { startMockServer } from '../testing/mock-server.js';
import { type Command, text } from './command.js';
import { UsageError } from './io.js';
import { parsePort } from './login.js';
import { SecretInput, secretOptions } from './secret-input.js';

function positiveNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`--${name} must be a positive number.`);
  return number;
}

function consentMode(value: string | undefined): ConsentMode | undefined {
  if (value === undefined || value === 'page' || value === 'approve' || value === 'deny') return value;
  throw new UsageError('--consent must be page, approve or deny.');
}

export const mockServerCommand: Command = {
  name: 'mock-server',
  summary: 'run a local Dropbox Sign OAuth server (auto-consent or a consent page) for trying things out',
  help: `Usage: hellosign-oauth mock-server [--port PORT] [--client-id ID] [--consent page|approve|deny]

Runs the mock server of hellosign-oauth/testing on 127.0.0.1 until Ctrl+C, and prints
"listening on http://127.0.0.1:PORT". Point the other commands at it with
--base-url http://127.0.0.1:PORT --allow-insecure-http and the same credentials.
  --port PORT              default: a free port
  --client-id ID           the app it accepts (default: $${ENV.clientId}, else mock-client-id)
  --client-secret SECRET   its secret (default: $${ENV.clientSecret}, else mock-client-secret)
  --client-secret-stdin    read its secret from stdin (also: --client-secret -)
  --consent MODE           page: show a consent page with Approve and Deny buttons;
                           approve or deny: answer at once (default approve)
  --app-name NAME          the app name the consent page shows (default: Mock API app)
  --access-token-ttl S     access token lifetime in seconds (default 3600)
  --rotate-refresh-tokens  issue a new refresh token on each refresh and retire the old one`,
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string' },
    ...secretOptions('client-secret'),
    consent: { type: 'string' },
    'app-name': { type: 'string' },
    'access-token-ttl': { type: 'string' },
    'rotate-refresh-tokens': { type: 'boolean' },
  },
  async run(values, io, context) {
    const clientSecret = await new SecretInput(values, io, context).read('client-secret', { env: ENV.clientSecret });
    const server = await startMockServer({
      port: parsePort(text(values, 'port')),
      clientId: text(values, 'client-id') ?? (io.env[ENV.clientId] || undefined),
      clientSecret: clientSecret || undefined,
      accessTokenTtlSeconds: positiveNumber(text(values, 'access-token-ttl'), 'access-token-ttl'),
      rotateRefreshTokens: values['rotate-refresh-tokens'] === true,
      consent: consentMode(text(values, 'consent')),
      appName: text(values, 'app-name'),
    });
    io.stdout.write(`listening on ${server.url}\n`);
    io.stderr.write(`Mock Dropbox Sign OAuth server for client id ${server.clientId}. Stop it with Ctrl+C.\n`);
    await new Promise<void>((resolve) => {
      if (!io.signal || io.signal.aborted) return resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    return 0;
  },
};
