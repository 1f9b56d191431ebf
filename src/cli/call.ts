import { randomBytes } from 'node:crypto';
import { readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { TokenSet } from '../client/tokens.js';
import { scrub } from '../internal/redact.js';
import { type Command, text } from './command.js';
import { CliFailure, UsageError } from './io.js';
import { SecretInput } from './secret-input.js';
import { CLIENT_HELP, CLIENT_OPTIONS, createClient, required, tokensFileText } from './shared.js';

/**
 * Replaces the file in one step, readable by its owner only: a crash never leaves half a token
 * file. The file a symlink points at is replaced, not the link. Where no temporary file can be
 * made beside it (a read-only directory), the file is overwritten in place: with rotating
 * refresh tokens, new tokens that reach no file are a lost grant.
 */
async function writeTokensFile(path: string, tokens: TokenSet): Promise<void> {
  const target = await realpath(path).catch(() => path);
  const text = tokensFileText(tokens);
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o600 });
    await rename(temporary, target);
  } catch {
    await rm(temporary, { force: true });
    await writeFile(target, text, { mode: 0o600 });
  }
}

async function readTokensFile(path: string): Promise<TokenSet> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliFailure(`cannot read --tokens-file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  return TokenSet.fromJSON(content);
}

export const callCommand: Command = {
  name: 'call',
  summary: 'call the Dropbox Sign REST API with the tokens in a file, refreshing them when due',
  help: `Usage: hellosign-oauth call METHOD PATH --tokens-file FILE [--data JSON] [--api-base-url URL]

Calls the REST API (PATH relative to the API base, e.g. /account) with the access token from
FILE (token JSON, as exchange prints it). A token that is due, or that the API rejects with 401,
is refreshed first (then the call is retried once), and FILE is replaced with the new tokens
before the call goes on. Prints the response body on stdout; exits 1 when the status is not 2xx.
Tokens never appear in the output or on the command line.
  --tokens-file FILE    where the grant's tokens are read from and written back to
  --data JSON           a JSON request body (sent as application/json)
  --api-base-url URL    default: https://api.hellosign.com/v3

${CLIENT_HELP}`,
  options: {
    ...CLIENT_OPTIONS,
    'tokens-file': { type: 'string' },
    data: { type: 'string' },
    'api-base-url': { type: 'string' },
  },
  positionals: 2,
  async run(values, io, context, [method, path]) {
    if (!/^[A-Za-z]{1,16}$/.test(method)) throw new UsageError(`METHOD must be an HTTP method, like GET.`);
    const file = required(values, 'tokens-file');
    const tokens = await readTokensFile(file);
    const secrets = context.secrets;
    const remember = (set: TokenSet) => secrets.push(set.accessToken, ...(set.refreshToken ? [set.refreshToken] : []));
    remember(tokens);
    const client = await createClient(values, io, new SecretInput(values, io, context));
    const session = client.session(tokens, {
      onTokens: async (fresh: TokenSet) => {
        remember(fresh);
        await writeTokensFile(file, fresh);
      },
    });
    const data = text(values, 'data');
    if (data !== undefined && /^(GET|HEAD)$/i.test(method)) throw new UsageError(`${method} takes no --data.`);
    const response = await session.fetch(path, {
      method: method.toUpperCase(),
      ...(data === undefined ? {} : { body: data, headers: { 'content-type': 'application/json' } }),
    });
    const body = scrub(await response.text(), secrets);
    io.stdout.write(body.endsWith('\n') || body === '' ? body : `${body}\n`);
    if (response.ok) return 0;
    throw new CliFailure(`the API answered ${response.status} ${response.statusText}`.trim());
  },
};
