import type { Socket } from 'node:net';
import {
  InternalServerError,
  InvalidResponseError,
  OAuthApiError,
  OAuthConnectionError,
  OAuthTimeoutError,
  TokenSet,
} from '../../src/index.js';
import {
  ACCESS_TOKEN,
  CORE_TRANSPORTS,
  leakedSecrets,
  makeClient,
  RawServer,
  REFRESH_TOKEN,
  rejectionOf,
  responseHead,
  TOKEN_JSON,
} from './support.js';

const MiB = 1024 * 1024;
const servers: RawServer[] = [];

async function serve(handler: (socket: Socket) => void): Promise<RawServer> {
  const server = await RawServer.start(handler);
  servers.push(server);
  return server;
}

/** Writes `chunk` every `everyMs` until the socket closes (the client gave up). */
function trickle(socket: Socket, chunk: string, everyMs: number): void {
  const timer = setInterval(() => socket.write(chunk), everyMs);
  socket.on('close', () => clearInterval(timer));
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe.each(CORE_TRANSPORTS)('faults on a real socket, over %s', (_name, fetch) => {
  async function refreshAgainst(server: RawServer, timeoutMs = 2_000): Promise<unknown> {
    return rejectionOf(makeClient(server.baseUrl, { fetch, timeoutMs }).refresh(REFRESH_TOKEN));
  }

  function expectClean(error: unknown): void {
    expect(leakedSecrets(error)).toEqual([]);
  }

  test('a reset before any header is a connection error, not retried (the server may have acted)', async () => {
    const server = await serve((socket) => socket.resetAndDestroy());
    const error = await refreshAgainst(server);
    expect(error).toBeInstanceOf(OAuthConnectionError);
    expect(error).not.toBeInstanceOf(OAuthTimeoutError);
    expect(server.requests).toHaveLength(1);
    expectClean(error);
  });

  test('a reset after the headers, mid-body, is a connection error, not retried', async () => {
    const server = await serve((socket) => {
      socket.write(
        responseHead(200, [
          ['content-type', 'application/json'],
          ['content-length', 400],
        ]),
      );
      socket.write(TOKEN_JSON.slice(0, 20), () => setTimeout(() => socket.resetAndDestroy(), 20));
    });
    const error = await refreshAgainst(server);
    expect(error).toBeInstanceOf(OAuthConnectionError);
    expect(server.requests).toHaveLength(1);
    expectClean(error);
  });

  test('a body shorter than its Content-Length is a connection error, never a parsed token', async () => {
    const server = await serve((socket) => {
      socket.end(
        responseHead(200, [
          ['content-type', 'application/json'],
          ['content-length', TOKEN_JSON.length + 50],
        ]) + TOKEN_JSON,
      );
    });
    const error = await refreshAgainst(server);
    expect(error).toBeInstanceOf(OAuthConnectionError);
    expect(server.requests).toHaveLength(1);
    expectClean(error);
  });

  test('headers that never come end in OAuthTimeoutError after timeoutMs, not retried', async () => {
    const server = await serve(() => {});
    const error = await refreshAgainst(server, 250);
    expect(error).toBeInstanceOf(OAuthTimeoutError);
    expect((error as OAuthTimeoutError).timeoutMs).toBe(250);
    expect(server.requests).toHaveLength(1);
    expectClean(error);
  });

  test('a body that trickles past timeoutMs (with Content-Length) times out', async () => {
    const server = await serve((socket) => {
      socket.write(
        responseHead(200, [
          ['content-type', 'application/json'],
          ['content-length', 10_000],
        ]),
      );
      trickle(socket, ' ', 40);
    });
    expect(await refreshAgainst(server, 300)).toBeInstanceOf(OAuthTimeoutError);
  });

  test('a chunked body that trickles past timeoutMs times out', async () => {
    const server = await serve((socket) => {
      socket.write(
        responseHead(200, [
          ['content-type', 'application/json'],
          ['transfer-encoding', 'chunked'],
        ]),
      );
      trickle(socket, '1\r\n \r\n', 40);
    });
    expect(await refreshAgainst(server, 300)).toBeInstanceOf(OAuthTimeoutError);
  });

  test('a body declared larger than 1 MiB fails with InvalidResponseError', async () => {
    const server = await serve((socket) => {
      socket.write(
        responseHead(200, [
          ['content-type', 'application/json'],
          ['content-length', 2 * MiB],
        ]),
      );
      trickle(socket, 'x'.repeat(64 * 1024), 5);
    });
    const error = await refreshAgainst(server);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as InvalidResponseError).status).toBe(200);
    expectClean(error);
  });

  test('a chunked body growing past 1 MiB fails with InvalidResponseError, without waiting for its end', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    const server = await serve((socket) => {
      socket.write(
        responseHead(200, [
          ['content-type', 'application/json'],
          ['transfer-encoding', 'chunked'],
        ]),
      );
      // Endless: only a client that stops reading at the cap can finish this test.
      trickle(socket, `${chunk.length.toString(16)}\r\n${chunk}\r\n`, 2);
    });
    expect(await refreshAgainst(server, 10_000)).toBeInstanceOf(InvalidResponseError);
  });

  test('a body without length or chunking, read until close, is capped too', async () => {
    const chunk = 'x'.repeat(64 * 1024);
    const server = await serve((socket) => {
      socket.write(
        responseHead(200, [
          ['content-type', 'application/json'],
          ['connection', 'close'],
        ]),
      );
      trickle(socket, chunk, 2);
    });
    expect(await refreshAgainst(server, 10_000)).toBeInstanceOf(InvalidResponseError);
  });

  test('a 200 with an HTML page (wrong content-type) is InvalidResponseError and quotes nothing', async () => {
    const html = `<html><body>Welcome ${ACCESS_TOKEN}</body></html>`;
    const server = await serve((socket) => {
      socket.end(
        responseHead(200, [
          ['content-type', 'text/html'],
          ['content-length', html.length],
        ]) + html,
      );
    });
    const error = await refreshAgainst(server);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expectClean(error);
  });

  test('a token body labelled text/plain is still read (the official SDK does not check either)', async () => {
    const server = await serve((socket) => {
      socket.end(
        responseHead(200, [
          ['content-type', 'text/plain'],
          ['content-length', TOKEN_JSON.length],
        ]) + TOKEN_JSON,
      );
    });
    const tokens = await makeClient(server.baseUrl, { fetch }).refresh(REFRESH_TOKEN);
    expect(tokens).toBeInstanceOf(TokenSet);
    expect(tokens.accessToken).toBe(ACCESS_TOKEN);
  });

  test('a 502 HTML page from a proxy is InternalServerError with the status', async () => {
    const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
    const server = await serve((socket) => {
      socket.end(
        responseHead(502, [
          ['content-type', 'text/html'],
          ['content-length', html.length],
        ]) + html,
      );
    });
    const error = await refreshAgainst(server);
    expect(error).toBeInstanceOf(InternalServerError);
    expect((error as InternalServerError).status).toBe(502);
    expect(server.requests).toHaveLength(1);
  });

  test('repeated headers are joined, and the tokens still arrive', async () => {
    const server = await serve((socket) => {
      socket.end(
        responseHead(200, [
          ['content-type', 'application/json'],
          ['x-ratelimit-remaining', 99],
          ['x-ratelimit-remaining', 98],
          ['cache-control', 'no-store'],
          ['cache-control', 'private'],
          ['content-length', TOKEN_JSON.length],
        ]) + TOKEN_JSON,
      );
    });
    const response = await makeClient(server.baseUrl, { fetch }).refreshWithResponse(REFRESH_TOKEN);
    expect(response.data.accessToken).toBe(ACCESS_TOKEN);
    expect(response.headers['cache-control']).toBe('no-store, private');
    expect(response.headers['x-ratelimit-remaining']).toBe('99, 98');
  });

  test('two different Content-Lengths are refused as a connection error (response smuggling)', async () => {
    const server = await serve((socket) => {
      socket.end(
        responseHead(200, [
          ['content-type', 'application/json'],
          ['content-length', TOKEN_JSON.length],
          ['content-length', 5],
        ]) + TOKEN_JSON,
      );
    });
    const error = await refreshAgainst(server);
    expect(error).toBeInstanceOf(OAuthConnectionError);
    expectClean(error);
  });

  test.each([301, 302, 303, 307, 308])(
    'a %i to another host is an OAuthApiError and is never followed',
    async (status) => {
      const elsewhere = await serve((socket) => socket.end(responseHead(200, [['content-length', 0]])));
      const server = await serve((socket) => {
        socket.end(
          responseHead(status, [
            ['location', `${elsewhere.baseUrl}/oauth/token?refresh`],
            ['content-length', 0],
          ]),
        );
      });
      const error = await refreshAgainst(server);
      expect(error).toBeInstanceOf(OAuthApiError);
      expect((error as OAuthApiError).status).toBe(status);
      expect(server.requests).toHaveLength(1);
      expect(elsewhere.requests).toHaveLength(0);
      expectClean(error);
    },
  );
});
