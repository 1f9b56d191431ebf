import { type Command, text } from './command.js';
import { UsageError } from './io.js';
import { CLIENT_HELP, CLIENT_OPTIONS, createClient, printTokens, readStdin, required } from './shared.js';

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
    const client = createClient(values, io, context, { needsSecret: false });
    const result = client.authorizeUrl({ state: text(values, 'state'), redirectUri: text(values, 'redirect-uri') });
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  },
};

export const exchangeCommand: Command = {
  name: 'exchange',
  summary: "trade the callback's code for tokens",
  help: `Usage: hellosign-oauth exchange --code CODE --state STATE [--expected-state STATE]

Exchanges an authorization code (POST /oauth/token) and prints the tokens as JSON.
  --code CODE              the callback's code parameter (single-use)
  --state STATE            the callback's state parameter
  --expected-state STATE   the state the flow started with; a mismatch refuses the exchange

${CLIENT_HELP}`,
  options: {
    ...CLIENT_OPTIONS,
    code: { type: 'string' },
    state: { type: 'string' },
    'expected-state': { type: 'string' },
  },
  async run(values, io, context) {
    const code = required(values, 'code');
    context.secrets.push(code);
    const state = required(values, 'state');
    const client = createClient(values, io, context);
    printTokens(io, await client.exchangeCode({ code, state, expectedState: text(values, 'expected-state') }));
    return 0;
  },
};

const STDIN_HINT = 'Pass --refresh-token, or pipe token JSON (as exchange prints it) or the bare token on stdin.';

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
  help: `Usage: hellosign-oauth refresh --refresh-token TOKEN
       hellosign-oauth exchange … | hellosign-oauth refresh

Refreshes (POST /oauth/token?refresh) and prints the new tokens as JSON. When the server
returns no new refresh token, the old one is printed: it stays valid.
  --refresh-token TOKEN   default: read token JSON, or the bare token, from stdin

${CLIENT_HELP}`,
  options: { ...CLIENT_OPTIONS, 'refresh-token': { type: 'string' } },
  async run(values, io, context) {
    const flag = text(values, 'refresh-token');
    const refreshToken = flag ?? refreshTokenFrom(await readStdin(io, STDIN_HINT));
    if (refreshToken === '') throw new UsageError('--refresh-token must not be empty.');
    context.secrets.push(refreshToken);
    const client = createClient(values, io, context);
    printTokens(io, await client.refresh(refreshToken));
    return 0;
  },
};
