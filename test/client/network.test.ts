import { gzipSync } from 'node:zlib';
import {
  InternalServerError,
  InvalidResponseError,
  OAuthAbortError,
  OAuthApiError,
  OAuthConnectionError,
  OAuthError,
  OAuthTimeoutError,
  TokenSet,
} from '../../src/index.js';
import {
  CODE,
  expectNoLeak,
  freePort,
  json,
  makeClient,
  REFRESH_TOKEN,
  recordingLogger,
  rejectionOf,
  SECRET,
  STATE,
  startServer,
  type TestServer,
  TOKEN_BODY,
  TRANSPORTS,
} from './support.js';

const MIB = 1024 * 1024;

/** The `code`s along an error's cause chain: what a caller inspects to tell a refusal from a reset. */
function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let cause = (error as Error).cause as { code?: string; cause?: unknown } | undefined; cause; ) {
    if (cause.code) codes.push(cause.code);
    cause = cause.cause as typeof cause;
  }
  return codes;
}

/** Servers started by a test; closed after it whatever happened. */
const servers: TestServer[] = [];
async function serve(...args: Parameters<typeof startServer>) {
  const server = await startServer(...args);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe.each(TRANSPORTS)('a real loopback server over %s', (_name, fetch) => {
  it('resolves tokens from a well-behaved server', async () => {
    const server = await serve((_request, response) => json(response, 200, TOKEN_BODY));
    const tokens = await makeClient(server.url, { fetch }).exchangeCode({ code: CODE, state: STATE });
    expect(tokens).toBeInstanceOf(TokenSet);
    expect(tokens.accessToken).toBe(TOKEN_BODY.access_token);
  });

  it('reports a reset after the request was read as OAuthConnectionError, and does not retry it', async () => {
    const server = await serve((request) => request.socket.destroy());
    const error = await rejectionOf(makeClient(server.url, { fetch }).exchangeCode({ code: CODE, state: STATE }));
    expect(error).toBeInstanceOf(OAuthConnectionError);
    expect(error).not.toBeInstanceOf(OAuthTimeoutError);
    expect(causeCodes(error).some((code) => /ECONNRESET|UND_ERR_SOCKET/.test(code))).toBe(true);
    expect(server.requests).toHaveLength(1);
    expectNoLeak(error);
  });

  it('times out a server that never answers with OAuthTimeoutError, and does not retry it', async () => {
    const server = await serve(() => undefined);
    // Roomy enough that a loaded machine still delivers the request before the timeout fires.
    const error = await rejectionOf(makeClient(server.url, { fetch, timeoutMs: 1_000 }).refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(OAuthTimeoutError);
    expect(error).toBeInstanceOf(OAuthConnectionError);
    expect((error as OAuthTimeoutError).code).toBe('OAUTH_TIMEOUT');
    expect(server.requests).toHaveLength(1);
    expectNoLeak(error);
  });

  it('times out a body that trickles in for longer than timeoutMs', async () => {
    const timers: NodeJS.Timeout[] = [];
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"access_token":');
      timers.push(setInterval(() => response.write(' '), 20));
    });
    try {
      const error = await rejectionOf(makeClient(server.url, { fetch, timeoutMs: 1_000 }).refresh(REFRESH_TOKEN));
      expect(error).toBeInstanceOf(OAuthTimeoutError);
      expect(server.requests).toHaveLength(1);
    } finally {
      for (const timer of timers) clearInterval(timer);
    }
  });

  it('retries a refused connection (a real closed port), then reports OAuthConnectionError', async () => {
    const port = await freePort();
    const { logger, lines } = recordingLogger();
    const client = makeClient(`http://127.0.0.1:${port}`, { fetch, maxRetries: 2, logger });
    const error = await rejectionOf(client.exchangeCode({ code: CODE, state: STATE }));
    expect(error).toBeInstanceOf(OAuthConnectionError);
    expect(error).not.toBeInstanceOf(OAuthTimeoutError);
    expect(causeCodes(error)).toContain('ECONNREFUSED');
    expect(lines.filter((line) => line.startsWith('debug hellosign-oauth: request '))).toHaveLength(3);
    expect(lines.filter((line) => line.startsWith('warn'))).toHaveLength(2);
    expectNoLeak(error);
    expectNoLeak(lines);
  });

  it('stops a request in flight when the caller aborts, with OAuthAbortError', async () => {
    const server = await serve(() => undefined);
    const controller = new AbortController();
    const pending = makeClient(server.url, { fetch }).refresh(REFRESH_TOKEN, { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    const error = await rejectionOf(pending);
    expect(error).toBeInstanceOf(OAuthAbortError);
    expect((error as OAuthAbortError).code).toBe('OAUTH_ABORTED');
    expectNoLeak(error);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const server = await serve((_request, response) => json(response, 200, TOKEN_BODY));
    const error = await rejectionOf(
      makeClient(server.url, { fetch }).exchangeCode({ code: CODE, state: STATE, signal: AbortSignal.abort() }),
    );
    expect(error).toBeInstanceOf(OAuthAbortError);
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ['with a Content-Length', { 'content-length': String(MIB + 10) }],
    ['chunked', {}],
  ])('refuses a body over 1 MiB %s with InvalidResponseError', async (_label, headers) => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', ...headers });
      response.end(`{"access_token":"${'a'.repeat(MIB)}"}  `.slice(0, MIB + 10));
    });
    const error = await rejectionOf(makeClient(server.url, { fetch }).refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toMatchObject({ status: 200, code: 'OAUTH_INVALID_RESPONSE' });
  });

  it('still maps an oversized error page by its status, unread', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end(`<html>${'<p>proxy</p>'.repeat(MIB / 8)}</html>`);
    });
    const error = await rejectionOf(makeClient(server.url, { fetch }).refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).description).toBeUndefined();
  });

  it('refuses a small gzip body that inflates past 1 MiB', async () => {
    const bomb = gzipSync(Buffer.from(`{"access_token":"${'a'.repeat(4 * MIB)}"}`));
    const server = await serve((_request, response) => {
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'content-length': String(bomb.length),
      });
      response.end(bomb);
    });
    expect(bomb.length).toBeLessThan(64 * 1024);
    const error = await rejectionOf(makeClient(server.url, { fetch }).refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(InvalidResponseError);
  });

  it('honours a lower maxResponseBytes', async () => {
    const server = await serve((_request, response) => json(response, 200, TOKEN_BODY));
    await expect(makeClient(server.url, { fetch, maxResponseBytes: 16 }).refresh(REFRESH_TOKEN)).rejects.toBeInstanceOf(
      InvalidResponseError,
    );
  });

  it('does not follow a 307 to another server: the secret never reaches it', async () => {
    const elsewhere = await serve((_request, response) => json(response, 200, TOKEN_BODY));
    const server = await serve((_request, response) => {
      response.writeHead(307, { location: `${elsewhere.url}/oauth/token` });
      response.end();
    });
    const error = await rejectionOf(makeClient(server.url, { fetch }).exchangeCode({ code: CODE, state: STATE }));
    expect(error).toBeInstanceOf(OAuthApiError);
    expect((error as OAuthApiError).status).toBe(307);
    expect(server.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('keeps an excerpt of an HTML 502 and does not retry it', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end('<html><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>');
    });
    const error = await rejectionOf(makeClient(server.url, { fetch }).refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).description).toBe('502 Bad Gateway nginx');
    expect(server.requests).toHaveLength(1);
  });

  it('rejects malformed JSON on a 200 with InvalidResponseError, never a SyntaxError', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`{"access_token": "${SECRET}"`);
    });
    const error = await rejectionOf(makeClient(server.url, { fetch }).refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toBeInstanceOf(OAuthError);
    expectNoLeak(error);
  });
});
