import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { ACCESS_TOKEN } from '../support.js';

export {
  ACCESS_TOKEN,
  ALL_SECRETS,
  CLIENT_ID,
  CORE_TRANSPORTS,
  leakedSecrets,
  makeClient,
  REFRESH_TOKEN,
  rejectionOf,
  renderings,
  SECRET,
} from '../support.js';

export const TOKEN_JSON = JSON.stringify({
  access_token: ACCESS_TOKEN,
  token_type: 'Bearer',
  refresh_token: 'refresh-token-rotated-91b2c3d4',
  expires_in: 3600,
});

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
