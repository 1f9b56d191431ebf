import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constantTimeEqual } from '../internal/constant-time.js';
import { MAX_TIMER_MS } from '../internal/validation.js';
import { type Command, text } from './command.js';
import { CliFailure, type CliIo, UsageError } from './io.js';
import { SecretInput } from './secret-input.js';
import { CLIENT_HELP, CLIENT_OPTIONS, createClient, printTokens } from './shared.js';

const PAGE = (title: string, body: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><p>${body}</p>`;

interface Callback {
  params: URLSearchParams;
  /** Answers the browser that brought the callback. */
  reply(status: number, title: string, body: string): void;
}

export function parsePort(value: string | undefined, fallback = 0): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError('--port must be an integer from 0 to 65535.');
  return port;
}

function parseSeconds(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const seconds = Number(value);
  const max = Math.floor(MAX_TIMER_MS / 1000);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0 || seconds > max) {
    throw new UsageError(`--${name} must be a positive number of seconds, at most ${max} (about 24 days).`);
  }
  return seconds;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new CliFailure(`Could not listen on 127.0.0.1:${port} (${error.code ?? error.message}).`)),
    );
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Stops the server, giving answers already sent a moment to reach the browser. */
function shutDown(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(grace);
      server.closeAllConnections();
      resolve();
    };
    const grace = setTimeout(finish, 1000);
    server.close(finish);
    server.closeIdleConnections();
  });
}

const send = (res: ServerResponse, status: number, title: string, body: string) =>
  res
    .writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' })
    .end(PAGE(title, body));

interface CallbackWait {
  path: string;
  /** The state this login sent: only a callback carrying it can end the login. */
  state: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Told about each callback refused for its state, so the terminal can say why nothing happened. */
  onForeign: () => void;
}

/**
 * Waits for the callback that carries this login's state. Every request gets an answer: another
 * path a 404, a callback with a wrong or missing state a 400 page (any local process or web page
 * can send one, so it must not end the login), and a callback after the real one a 409 page.
 */
function waitForCallback(server: Server, wait: CallbackWait): Promise<Callback> {
  let received = false;
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      wait.signal?.removeEventListener('abort', onAbort);
    };
    const timer = setTimeout(() => {
      done();
      reject(new CliFailure(`No OAuth callback within ${wait.timeoutMs / 1000} s.`));
    }, wait.timeoutMs);
    const onAbort = () => {
      done();
      reject(new CliFailure('Interrupted before the OAuth callback arrived.'));
    };
    wait.signal?.addEventListener('abort', onAbort, { once: true });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      // An absolute-form target such as `http://[/` passes Node's parser but not new URL(): a
      // throw here would end the whole login, so it is answered like any other stray request.
      const target = req.url ?? '/';
      const url = URL.canParse(target, 'http://127.0.0.1') ? new URL(target, 'http://127.0.0.1') : undefined;
      if (url === undefined) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('Bad request');
        return;
      }
      if (req.method !== 'GET' || url.pathname !== wait.path) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
        return;
      }
      if (received) {
        send(res, 409, 'Already received', 'This login already has its callback. Return to the terminal.');
        return;
      }
      const state = url.searchParams.get('state');
      if (state === null || !constantTimeEqual(state, wait.state)) {
        wait.onForeign();
        send(res, 400, 'Not this login', 'This callback does not carry the state of the login in progress.');
        return;
      }
      received = true;
      done();
      resolve({ params: url.searchParams, reply: (status, title, body) => send(res, status, title, body) });
    });
  });
}

export const loginCommand: Command = {
  name: 'login',
  summary: 'the whole consent flow from a terminal: authorize URL, local callback, exchange',
  help: `Usage: hellosign-oauth login [--port PORT] [--callback-path PATH] [--timeout SECONDS]

Prints the authorize URL (on stderr), waits for the browser's callback on a one-shot server
at http://127.0.0.1:PORT/PATH, checks its state, exchanges the code and prints the tokens as
JSON on stdout. The app's callback URL in Dropbox Sign must be that address.
  --port PORT            callback port on 127.0.0.1 (default: a free port)
  --callback-path PATH   default /callback
  --state STATE          default: 128 random bits
  --timeout SECONDS      how long to wait for the callback (default 300, at most 2147483)

A callback without this login's state is answered with a 400 page and ignored: any local
process or web page can send one, so it cannot end the login.

${CLIENT_HELP}`,
  options: {
    ...CLIENT_OPTIONS,
    port: { type: 'string' },
    'callback-path': { type: 'string' },
    state: { type: 'string' },
    timeout: { type: 'string' },
  },
  async run(values, io: CliIo, context) {
    const port = parsePort(text(values, 'port'));
    const path = text(values, 'callback-path') ?? '/callback';
    if (!path.startsWith('/')) throw new UsageError('--callback-path must start with /.');
    // The callback is matched on its parsed path: one that parses differently (a query, a
    // fragment, a space, a non-ASCII letter) could never match, and login would wait it out.
    if (!URL.canParse(path, 'http://127.0.0.1') || new URL(path, 'http://127.0.0.1').pathname !== path) {
      throw new UsageError('--callback-path must be a plain URL path: no query, fragment or characters to encode.');
    }
    const timeoutMs = parseSeconds(text(values, 'timeout'), 'timeout', 300) * 1000;
    const client = await createClient(values, io, new SecretInput(values, io, context));
    const server = createServer();
    try {
      const redirectUri = `http://127.0.0.1:${await listen(server, port)}${path}`;
      const { url, state } = client.authorizeUrl({ state: text(values, 'state'), redirectUri });
      const callback = waitForCallback(server, {
        path,
        state,
        timeoutMs,
        signal: io.signal,
        onForeign: () => io.stderr.write("Refused a callback that does not carry this login's state; still waiting.\n"),
      });
      io.stderr.write(
        `Open this URL in a browser and approve the app:\n\n  ${url}\n\nWaiting for the callback on ${redirectUri} …\n`,
      );
      const { params, reply } = await callback;
      const code = params.get('code');
      if (code) context.secrets.push(code);
      const denied = params.get('error');
      if (denied || !code) {
        reply(400, 'Authorization failed', 'Return to the terminal for details.');
        const reason = denied
          ? `${denied}${params.get('error_description') ? ` (${params.get('error_description')})` : ''}`
          : 'the callback carried no code';
        throw new CliFailure(`Authorization was not granted: ${reason}.`);
      }
      try {
        const tokens = await client.exchangeCode({ code, state: params.get('state') ?? '', expectedState: state });
        reply(200, 'Authorized', 'You can close this tab and return to the terminal.');
        printTokens(io, tokens);
      } catch (error) {
        reply(400, 'Authorization failed', 'Return to the terminal for details.');
        throw error;
      }
      return 0;
    } finally {
      await shutDown(server);
    }
  },
};
