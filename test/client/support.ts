import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { ACCESS_TOKEN, REFRESH_TOKEN } from '../support.js';

export {
  ACCESS_TOKEN,
  ALL_SECRETS,
  CLIENT_ID,
  CODE,
  expectNoLeak,
  freePort,
  makeClient,
  REFRESH_TOKEN,
  rejectionOf,
  renderings,
  SECRET,
  TRANSPORTS,
} from '../support.js';

export const STATE = '900e06e2';

export const TOKEN_BODY = {
  access_token: ACCESS_TOKEN,
  token_type: 'Bearer',
  refresh_token: REFRESH_TOKEN,
  expires_in: 86400,
  state: STATE,
};

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface TestServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

/** A loopback server on an ephemeral port that records every request it fully reads. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      handler(request, response, body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Collects everything a logger is given, at every level. */
export function recordingLogger() {
  const lines: string[] = [];
  const record = (level: string) => (message: string, data?: Record<string, unknown>) =>
    lines.push(`${level} ${message} ${inspect(data, { depth: 10 })} ${JSON.stringify(data)}`);
  return {
    lines,
    logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
  };
}
