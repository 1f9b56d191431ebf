import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type OAuthClient, type OAuthClientOptions, type TokenSession, TokenSet } from '../../src/index.js';
import { type MockServer, type MockServerOptions, startMockServer } from '../../src/testing/index.js';

import { makeClient } from '../support.js';

export { fakeClock, rejectionOf, renderings } from '../support.js';

const closers: (() => Promise<void>)[] = [];

/** Closes everything the test started. Call from `afterEach`. */
export async function closeAll(): Promise<void> {
  await Promise.all(closers.splice(0).map((close) => close()));
}

/** The mock server, a real client pointed at its OAuth and API bases, and a session over a new grant. */
export async function apiHarness(
  options: { server?: MockServerOptions; client?: Partial<OAuthClientOptions> } = {},
): Promise<{ server: MockServer; client: OAuthClient; session: TokenSession; grant: TokenSet }> {
  const server = await startMockServer(options.server);
  closers.push(() => server.close());
  const client = makeClient(server, { apiBaseUrl: server.apiBaseUrl, now: options.server?.now, ...options.client });
  const grant = tokensFrom(server, options.server?.now?.() ?? Date.now());
  return { server, client, session: client.session(grant), grant };
}

/** A new grant on the mock server, as a `TokenSet`. */
export function tokensFrom(server: MockServer, now: number): TokenSet {
  const issued = server.issueTokens();
  return new TokenSet({
    accessToken: issued.access_token,
    refreshToken: issued.refresh_token,
    expiresIn: issued.expires_in,
    expiresAt: new Date(now + issued.expires_in * 1000),
  });
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

/** Another origin on loopback (another port): records what reaches it and answers 200 `{"elsewhere":true}`. */
export async function otherOrigin(status = 200): Promise<{ url: string; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{"elsewhere":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}
