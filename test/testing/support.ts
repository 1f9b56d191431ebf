import { request } from 'node:http';
import type { OAuthClient } from '../../src/index.js';
import { type MockServer, type MockServerOptions, startMockServer } from '../../src/testing/index.js';

export { fakeClock, makeClient, rejectionOf } from '../support.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => unknown;
}

/** One HTTP request with no client policy in between: no retries, no redirects, fresh socket. */
export function raw(
  url: string,
  init: { method?: string; body?: string; contentType?: string; accept?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (init.contentType) req.setHeader('content-type', init.contentType);
    if (init.accept) req.setHeader('accept', init.accept);
    req.end(init.body);
  });
}

export function postJson(url: string, body: unknown): Promise<RawResponse> {
  return raw(url, { method: 'POST', body: JSON.stringify(body), contentType: 'application/json' });
}

/** Walks consent the way a browser would, without following the redirect: returns the callback URL. */
export async function consent(client: OAuthClient, redirectUri?: string) {
  const { url, state } = client.authorizeUrl({ redirectUri });
  const response = await raw(url);
  if (response.status !== 302) throw new Error(`authorize answered ${response.status}`);
  const callback = new URL(String(response.headers.location));
  return { callback, state, code: callback.searchParams.get('code') ?? '' };
}

const servers: MockServer[] = [];

/** Starts a mock server that `closeServers` closes. */
export async function startServer(options: MockServerOptions = {}): Promise<MockServer> {
  const server = await startMockServer(options);
  servers.push(server);
  return server;
}

/** Closes every server `startServer` started. Pass to `afterEach`. */
export async function closeServers(): Promise<void> {
  await Promise.all(servers.splice(0).map((server) => server.close()));
}
