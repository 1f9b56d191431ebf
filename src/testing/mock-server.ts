import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { constantTimeEqual } from '../internal/constant-time.js';
import { positiveNumber } from '../internal/validation.js';
import { ApiEndpoints, type MockApiControls } from './api-endpoints.js';
import { type ConsentMode, createAuthorizeEndpoint } from './consent-page.js';
import { type Fault, FaultQueue, type MockOperation } from './faults.js';
import { type CodeRejection, GrantStore, type MockTokenResponse } from './grants.js';
import { validateMockServerOptions } from './options.js';
import { RateWindow } from './rate-window.js';
import { parseBody, readBody } from './request-body.js';
import { dropboxError, oauthError, PROXY_502_PAGE, sendHtml, sendJson } from './responses.js';
import { validateGenerateRequest, validateRefreshRequest } from './validate.js';

/** Options of `startMockServer(options)`; every one has a default. */
export interface MockServerOptions {
  /** The one API app the server knows. Default `mock-client-id`. */
  clientId?: string;
  /** That app's secret. Default `mock-client-secret`. */
  clientSecret?: string;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0: a free port, read it back from `url` or `port`. */
  port?: number;
  /** Lifetime of access tokens (`expires_in`). Default 3600. */
  accessTokenTtlSeconds?: number;
  /** How long an unused authorization code stays valid. Default 600. */
  codeTtlSeconds?: number;
  /** Each refresh returns a new refresh token and retires the old one. Default false (the same one is returned). */
  rotateRefreshTokens?: boolean;
  /** Refuse refreshes without `client_id` and `client_secret`, as apps created recently do. Default true. */
  refreshRequiresClientCredentials?: boolean;
  /** The app's registered callback, used when an authorize request names none. Default `<url>/callback`. */
  redirectUri?: string;
  /**
   * What happens at `GET /oauth/authorize`: `page` shows a consent page with Approve and Deny
   * buttons; `approve` or `deny` answer at once, as a scripted user. Default `approve`.
   */
  consent?: ConsentMode;
  /** The app name the consent page shows as its heading. Default `Mock API app`. */
  appName?: string;
  /** Requests per window on the token endpoint before a real 429. Default 1000 per 60 s. */
  rateLimit?: { limit?: number; windowSeconds?: number };
  /** The server's clock (ms since the epoch), for expiring codes and tokens without waiting. Default `Date.now`. */
  now?: () => number;
}

/** A running mock Dropbox Sign OAuth server (see docs/mock-server.md); `close()` stops it. */
export interface MockServer extends MockApiControls {
  /** `http://127.0.0.1:<port>`: pass it as the client's `baseUrl` (with `allowInsecureHttp: true`). */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The client ID it accepts. */
  readonly clientId: string;
  /** The client secret it accepts (a test value, not a real secret). */
  readonly clientSecret: string;
  /** Where consent redirects when the authorize request names no `redirect_uri`. */
  readonly redirectUri: string;
  /** Requests received so far, per operation (a copy). */
  readonly requests: Readonly<Record<MockOperation, number>>;
  /** Stages a fault for the next matching request(s); see `Fault`. */
  inject(fault: Fault): void;
  /** Drops every staged fault. */
  clearFaults(): void;
  /** An authorization code as consent would issue it; `state`, when given, must match on exchange. */
  issueCode(options?: { state?: string }): string;
  /** A new grant without the consent step, as the token endpoint would answer it. */
  issueTokens(): MockTokenResponse;
  /** True while the access token is known and not expired: what the API would accept. */
  isAccessTokenActive(accessToken: string): boolean;
  /** Revokes a refresh token, as a user disconnecting the app would; true if it existed. */
  revokeRefreshToken(refreshToken: string): boolean;
  /** Stops the server, ending open and hanging connections. Safe to call more than once. */
  close(): Promise<void>;
}

const CODE_REJECTIONS: Record<CodeRejection, string> = {
  unknown: 'The authorization code has expired or was already used.',
  expired: 'The authorization code has expired or was already used.',
  'other-client': 'The authorization code was issued to another client.',
  'state-mismatch': 'The state does not match the authorization request.',
};

/** A status and a JSON body. */
type Reply = [status: number, body: unknown];

function classify(pathname: string, search: URLSearchParams): MockOperation {
  if (pathname === '/oauth/authorize') return 'authorize';
  if (pathname === '/oauth/token') return search.has('refresh') ? 'oauthTokenRefresh' : 'oauthTokenGenerate';
  return 'other';
}

function retryAfterHeader(value: number | string | undefined, fallback?: number): Record<string, string> {
  const chosen = value ?? fallback;
  return chosen === undefined ? {} : { 'retry-after': String(chosen) };
}

/**
 * Starts a local Dropbox Sign OAuth server that follows `openapi.yaml`: `GET /oauth/authorize`
 * consents (at once, or on a consent page with `consent: 'page'`) and redirects with a code,
 * `POST /oauth/token` exchanges it (once), and `POST /oauth/token?refresh` refreshes;
 * `GET /v3/account` answers the grant's account behind bearer auth (see `MockApiControls`).
 * Faults can be staged with `inject`. For tests and demos only.
 */
export async function startMockServer(options: MockServerOptions = {}): Promise<MockServer> {
  validateMockServerOptions(options);
  const clientId = options.clientId ?? 'mock-client-id';
  const clientSecret = options.clientSecret ?? 'mock-client-secret';
  const now = options.now ?? Date.now;
  const grants = new GrantStore({
    now,
    accessTokenTtlSeconds: positiveNumber(options.accessTokenTtlSeconds, 'accessTokenTtlSeconds', 3600),
    codeTtlSeconds: positiveNumber(options.codeTtlSeconds, 'codeTtlSeconds', 600),
    rotateRefreshTokens: options.rotateRefreshTokens === true,
  });
  const rate = new RateWindow(
    positiveNumber(options.rateLimit?.limit, 'rateLimit.limit', 1000),
    positiveNumber(options.rateLimit?.windowSeconds, 'rateLimit.windowSeconds', 60) * 1000,
    now,
  );
  const refreshRequiresCredentials = options.refreshRequiresClientCredentials !== false;
  const faults = new FaultQueue();
  const api = new ApiEndpoints(grants);
  const counts: Record<MockOperation, number> = { authorize: 0, oauthTokenGenerate: 0, oauthTokenRefresh: 0, other: 0 };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let url = '';
  let redirectUri = '';

  const credentialsMatch = (id: string | undefined, secret: string | undefined) =>
    id !== undefined &&
    secret !== undefined &&
    constantTimeEqual(id, clientId) &&
    constantTimeEqual(secret, clientSecret);

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  /** Answers with the staged fault; false when the request should go on to the normal handler. */
  async function applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    switch (fault.type) {
      case 'latency':
        await delay(fault.ms);
        return false;
      case '429':
        sendJson(res, 429, dropboxError('exceeded_rate', 'Too many requests.'), {
          ...rate.headers(0),
          ...retryAfterHeader(fault.retryAfter, 1),
        });
        return true;
      case '5xx':
        sendJson(
          res,
          fault.status ?? 500,
          dropboxError('internal_server_error', 'An unexpected error occurred.'),
          retryAfterHeader(fault.retryAfter),
        );
        return true;
      case 'html-502':
        sendHtml(res, 502, PROXY_502_PAGE);
        return true;
      case 'respond':
        res.writeHead(fault.status, { ...fault.headers, 'content-length': Buffer.byteLength(fault.body) });
        res.end(fault.body);
        return true;
      case 'reset': {
        // The whole request arrives first: the server may have acted, so a client must not retry.
        await readBody(req);
        const socket = req.socket as Socket & { resetAndDestroy?: () => void };
        if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
        else socket.destroy();
        return true;
      }
      case 'silence':
        await readBody(req);
        return true;
    }
  }

  const authorize = createAuthorizeEndpoint({
    clientId,
    appName: options.appName ?? 'Mock API app',
    consent: options.consent ?? 'approve',
    defaultRedirectUri: () => redirectUri,
    issueCode: (state) => grants.issueCode(clientId, state),
    now,
    ticketTtlMs: positiveNumber(options.codeTtlSeconds, 'codeTtlSeconds', 600) * 1000,
  });

  async function token(
    req: IncomingMessage,
    res: ServerResponse,
    operation: 'oauthTokenGenerate' | 'oauthTokenRefresh',
  ): Promise<void> {
    if (req.method !== 'POST') {
      sendJson(res, 405, dropboxError('method_not_allowed', 'Use POST.'), { allow: 'POST' });
      return;
    }
    const hit = rate.hit();
    if (hit.exceeded) {
      await readBody(req);
      sendJson(res, 429, dropboxError('exceeded_rate', 'Too many requests.'), {
        ...hit.headers,
        'retry-after': String(hit.retryAfterSeconds),
      });
      return;
    }
    const parsed = parseBody(req.headers['content-type'], await readBody(req));
    let reply: Reply;
    if (!parsed.ok) {
      reply = [parsed.status, dropboxError('bad_request', parsed.message)];
    } else {
      const grantType = (parsed.value as { grant_type?: unknown } | null)?.grant_type;
      // The legacy official SDKs refreshed through plain `/oauth/token`; the service takes that too.
      const isRefresh = operation === 'oauthTokenRefresh' || grantType === 'refresh_token';
      reply = isRefresh ? refresh(parsed.value) : exchange(parsed.value);
    }
    sendJson(res, reply[0], reply[1], hit.headers);
  }

  function exchange(body: unknown): Reply {
    const request = validateGenerateRequest(body);
    if (!request.ok) return [400, dropboxError('bad_request', request.message, request.path)];
    const { clientId: id, clientSecret: secret, code, state, grantType } = request.value;
    if (!credentialsMatch(id, secret)) {
      return [401, dropboxError('unauthorized', 'Unauthorized user. Invalid client credentials.')];
    }
    if (grantType !== 'authorization_code') {
      return [400, oauthError('unsupported_grant_type', 'grant_type must be authorization_code.')];
    }
    const result = grants.redeemCode(code, id, state);
    if (typeof result === 'string') return [400, oauthError('invalid_grant', CODE_REJECTIONS[result])];
    return [200, result];
  }

  function refresh(body: unknown): Reply {
    const request = validateRefreshRequest(body);
    if (!request.ok) return [400, dropboxError('bad_request', request.message, request.path)];
    const { clientId: id, clientSecret: secret, refreshToken, grantType } = request.value;
    const sentCredentials = id !== undefined || secret !== undefined;
    if (!sentCredentials && refreshRequiresCredentials) {
      return [401, dropboxError('unauthorized', 'Unauthorized user. No credentials supplied.')];
    }
    if (sentCredentials && !credentialsMatch(id, secret)) {
      return [401, dropboxError('unauthorized', 'Unauthorized user. Invalid client credentials.')];
    }
    if (grantType !== 'refresh_token') {
      return [400, oauthError('unsupported_grant_type', 'grant_type must be refresh_token.')];
    }
    const result = grants.refresh(refreshToken, id);
    if (!result) return [400, oauthError('invalid_grant', 'The refresh token is invalid, expired or revoked.')];
    return [200, result];
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestUrl = new URL(req.url ?? '/', 'http://mock.invalid');
    const operation = classify(requestUrl.pathname, requestUrl.searchParams);
    counts[operation] += 1;
    const fault = faults.take(operation);
    if (fault && (await applyFault(fault, req, res))) return;
    if (operation === 'authorize') return authorize(req, res, requestUrl.searchParams);
    if (operation !== 'other') return token(req, res, operation);
    if (api.handles(requestUrl.pathname)) return api.handle(req, res, requestUrl);
    if (requestUrl.pathname === new URL(redirectUri).pathname && req.method === 'GET') {
      sendHtml(res, 200, '<!doctype html><p>The mock server received the OAuth callback. Return to your app.</p>');
      return;
    }
    sendJson(res, 404, dropboxError('not_found', 'Not found.'));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, dropboxError('internal_server_error', 'An unexpected error occurred.'));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  redirectUri = options.redirectUri ?? `${url}/callback`;
  new URL(redirectUri); // Fails now rather than on the first consent.

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    clientId,
    clientSecret,
    redirectUri,
    get requests() {
      return { ...counts };
    },
    inject: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    issueCode: (codeOptions = {}) => grants.issueCode(clientId, codeOptions.state),
    issueTokens: () => grants.issueTokens(clientId),
    isAccessTokenActive: (accessToken) => grants.isAccessTokenActive(accessToken),
    revokeRefreshToken: (refreshToken) => grants.revokeRefreshToken(refreshToken),
    ...api.controls(url),
    close() {
      closing ??= new Promise<void>((resolve) => {
        faults.clear();
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
