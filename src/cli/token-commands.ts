import { type Command, text } from './command.js';
import { UsageError } from './io.js';
import { SECRET_ENV, SecretInput, secretOptions } from './secret-input.js';
import { CLIENT_HELP, CLIENT_OPTIONS, createClient, printTokens, required } from './shared.js';

export const authorizeUrlCommand: Command = {
  name: 'authorize-url',
  summary: 'print the URL that asks a user for consent, and its state',
  help: `Usage: hellosign-oauth authorize-url [--state STATE] [--redirect-uri URL]

Prints {"url", "state"} as JSON. Send the user to url; keep state to check the callback.
  --state STATE        your CSRF token for this flow (default: 128 random bits)
  --redirect-uri URL   where to send the user back (default: the app's callback URL)

${CLIENT_HELP}
  (no client secret is needed for this command)`,
  options: { ...CLIENT_OPTIONS, state: { type: 'string' }, 'redirect-uri': { type: 'string' } },
  async run(values, io, context) {
    const client = await createClient(values, io, new SecretInput(values, io, context), { needsSecret: false });
    const result = client.authorizeUrl({ state: text(values, 'state'), redirectUri: text(values, 'redirect-uri') });
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  },
};

export const exchangeCommand: Command = {
  name: 'exchange',
  summary: "trade the callback's code for tokens",
  help: `Usage: hellosign-oauth exchange --code-stdin --state STATE [--expected-state STATE]
       hellosign-oauth exchange --code CODE --state STATE [--expected-state STATE]

Exchanges an authorization code (POST /oauth/token) and prints the tokens as JSON.
  --code-stdin             read the callback's code from stdin (also: --code -)
  --code CODE              the callback's code parameter (single-use; default: $${SECRET_ENV.code}).
                           Prefer stdin or the variable: flags show up in ps
  --state STATE            the callback's state parameter
  --expected-state STATE   the state the flow started with; a mismatch refuses the exchange

${CLIENT_HELP}`,
  options: {
    ...CLIENT_OPTIONS,
    ...secretOptions('code'),
    state: { type: 'string' },
    'expected-state': { type: 'string' },
  },
  async run(values, io, context) {
    const input = new SecretInput(values, io, context);
    const code = await input.read('code', { env: SECRET_ENV.code });
    if (!code) throw new UsageError(`--code is required (or --code-stdin, or $${SECRET_ENV.code}).`);
    const state = required(values, 'state');
    const client = await createClient(values, io, input);
    printTokens(io, await client.exchangeCode({ code, state, expectedState: text(values, 'expected-state') }));
    return 0;
  },
};

const STDIN_HINT = `Pipe token JSON (as exchange prints it) or the bare token on stdin, or set $${SECRET_ENV.refreshToken} (or pass --refresh-token).`;

/** The refresh token from stdin: token JSON (camelCase or the API's snake_case) or the bare token. */
function refreshTokenFrom(input: string): string {
  const trimmed = input.trim();
  if (trimmed === '') throw new UsageError(STDIN_HINT);
  if (!trimmed.startsWith('{')) return trimmed;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(trimmed);
  } catch {
    throw new UsageError('stdin is not valid token JSON.');
  }
  const token = json.refreshToken ?? json.refresh_token;
  if (typeof token !== 'string' || token === '') throw new UsageError('The token JSON on stdin has no refreshToken.');
  return token;
}

export const refreshCommand: Command = {
  name: 'refresh',
  summary: 'trade a refresh token for a new access token',
  help: `Usage: hellosign-oauth refresh [--refresh-token-stdin]     (token JSON or the token on stdin)
       hellosign-oauth exchange … | hellosign-oauth refresh

Refreshes (POST /oauth/token?refresh) and prints the new tokens as JSON. When the server
returns no new refresh token, the old one is printed: it stays valid.
  --refresh-token TOKEN   default: $${SECRET_ENV.refreshToken}, else token JSON or the bare
                          token on stdin (prefer those: flags show up in ps)
  --refresh-token-stdin   read it from stdin even when the variable is set (also: --refresh-token -)

${CLIENT_HELP}`,
  options: { ...CLIENT_OPTIONS, ...secretOptions('refresh-token') },
  async run(values, io, context) {
    const input = new SecretInput(values, io, context);
    const stdin = { parse: refreshTokenFrom, hint: STDIN_HINT };
    const given = await input.read('refresh-token', { env: SECRET_ENV.refreshToken, ...stdin });
    if (given === '') throw new UsageError('--refresh-token must not be empty.');
    // The client secret first: when it comes from stdin, stdin is not there for the token as well.
    const client = await createClient(values, io, input);
    const refreshToken = given ?? (await input.readStdin('refresh-token', stdin));
    printTokens(io, await client.refresh(refreshToken));
    return 0;
  },
};
