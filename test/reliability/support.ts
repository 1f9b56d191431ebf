import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { OAuthClient, type OAuthClientOptions } from '../../src/index.js';
import { renderings } from '../shared.js';

export { rejectionOf, renderings } from '../shared.js';

export const CLIENT_ID = 'reliability-client-id';
export const SECRET = 'client-secret-8c1f0e5b7d2a4936a1f0';
export const REFRESH_TOKEN = 'refresh-token-3f6a9b2c7d1e4f80';
export const ACCESS_TOKEN = 'access-token-d41d8cd98f00b204e980';
export const SECRETS = [SECRET, REFRESH_TOKEN, ACCESS_TOKEN] as const;

export const TOKEN_JSON = JSON.stringify({
  access_token: ACCESS_TOKEN,
  token_type: 'Bearer',
  refresh_token: 'refresh-token-rotated-91b2c3d4',
  expires_in: 3600,
});

/** The client over each fetch implementation a user may run: the default (`node:http` keep-alive) and global fetch. */
export const TRANSPORTS: [string, OAuthClientOptions['fetch']][] = [
  ['the default transport', undefined],
  ['global fetch', globalThis.fetch],
];

export function makeClient(
  baseUrl: string,
  fetch: OAuthClientOptions['fetch'],
  extra: Partial<OAuthClientOptions> = {},
) {
  return new OAuthClient({
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    baseUrl,
    allowInsecureHttp: true,
    timeoutMs: 2_000,
    retryBaseDelayMs: 1,
    ...(fetch ? { fetch } : {}),
    ...extra,
  });
}

export function leakedSecrets(error: unknown, secrets: readonly string[] = SECRETS): string[] {
  return secrets.filter((secret) => renderings(error).some((text) => text.includes(secret)));
}

/** What the raw server parsed of one request before handing the socket to the scenario. */
export interface RawRequest {
  head: string;
  body: string;
}

/**
 * A TCP server that speaks just enough HTTP/1.1 to read one request per connection, then lets the
 * scenario write whatever bytes (or resets) it wants: the failures a real HTTP server never makes.
 */
export class RawServer {
  readonly requests: RawRequest[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(handler: (socket: Socket, request: RawRequest) => void) {
    this.#server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {});
      let buffered = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buffered.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        socket.off('data', onData);
        const request = { head, body: buffered.subarray(end + 4, end + 4 + length).toString('utf8') };
        this.requests.push(request);
        handler(socket, request);
      };
      socket.on('data', onData);
    });
  }

  static async start(handler: (socket: Socket, request: RawRequest) => void): Promise<RawServer> {
    const server = new RawServer(handler);
    server.#server.listen(0, '127.0.0.1');
    await once(server.#server, 'listening');
    return server;
  }

  get baseUrl(): string {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('server is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** An HTTP/1.1 response head; `headers` are written in order, duplicates allowed. */
export function responseHead(status: number, headers: [string, string | number][]): string {
  return `HTTP/1.1 ${status} X\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
}
