import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import nodeFetch from 'node-fetch';
import { OAuthClient, type OAuthClientOptions } from '../../src/index.js';
import { renderings } from '../shared.js';

export { rejectionOf, renderings } from '../shared.js';

/** Values that must never show up anywhere a person could read them. Long enough to be unambiguous. */
export const SECRET = 'client-secret-5f4dcc3b5aa765d61d8327deb882cf99';
export const CODE = 'auth-code-1b0d28d90c86c141aa';
export const REFRESH_TOKEN = 'refresh-token-hNTI2MTFmM2VmZDQxZTZj';
export const ACCESS_TOKEN = 'access-token-NWNiOTMxOGFkOGVjMDhhNTAx';
export const CLIENT_ID = 'cc91c61d00f8bb2ece1428035716b';
export const STATE = '900e06e2';
export const ALL_SECRETS = [SECRET, CODE, REFRESH_TOKEN, ACCESS_TOKEN] as const;

export const TOKEN_BODY = {
  access_token: ACCESS_TOKEN,
  token_type: 'Bearer',
  refresh_token: REFRESH_TOKEN,
  expires_in: 86400,
  state: STATE,
};

/** Each way the client can be given a fetch implementation; every transport test runs over all three. */
export const TRANSPORTS: [string, OAuthClientOptions['fetch']][] = [
  ['global fetch', globalThis.fetch],
  ['node-fetch', nodeFetch as unknown as OAuthClientOptions['fetch']],
  ['the default transport', undefined],
];

/** Fails the test when any rendering of `value` contains any of `secrets`. */
export function expectNoLeak(value: unknown, secrets: readonly string[] = ALL_SECRETS): void {
  for (const text of renderings(value)) {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }
}

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

/** A loopback port nobody listens on: bind an ephemeral port, then release it. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** A client for a loopback test server, with fast retries and a short timeout. */
export function localClient(baseUrl: string, options: Partial<OAuthClientOptions> = {}): OAuthClient {
  return new OAuthClient({
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    baseUrl,
    allowInsecureHttp: true,
    retryBaseDelayMs: 1,
    timeoutMs: 2_000,
    ...options,
  });
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
