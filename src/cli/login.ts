import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Command, text } from './command.js';
import { CliFailure, type CliIo, UsageError } from './io.js';
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
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError(`--${name} must be a positive number of seconds.`);
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

/** Waits for the one request to `path`; anything else (a favicon, say) gets a 404. */
function waitForCallback(server: Server, path: string, timeoutMs: number, signal?: AbortSignal): Promise<Callback> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const timer = setTimeout(() => {
      done();
      reject(new CliFailure(`No OAuth callback within ${timeoutMs / 1000} s.`));
    }, timeoutMs);
    const onAbort = () => {
      done();
      reject(new CliFailure('Interrupted before the OAuth callback arrived.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method !== 'GET' || url.pathname !== path) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
        return;
      }
      done();
      resolve({
        params: url.searchParams,
        reply: (status, title, body) =>
          res
            .writeHead(status, { 'content-type': 'text/html; charset=utf-8', connection: 'close' })
            .end(PAGE(title, body)),
      });
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
  --timeout SECONDS      how long to wait for the callback (default 300)

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
    const timeoutMs = parseSeconds(text(values, 'timeout'), 'timeout', 300) * 1000;
    const client = createClient(values, io, context);
    const server = createServer();
    try {
      const redirectUri = `http://127.0.0.1:${await listen(server, port)}${path}`;
      const { url, state } = client.authorizeUrl({ state: text(values, 'state'), redirectUri });
      const callback = waitForCallback(server, path, timeoutMs, io.signal);
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
      server.close();
      server.closeAllConnections();
    }
  },
};
