import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { Socket } from 'node:net';
import { sanitizedCause } from '../client/errors.js';
import { OAuthProxyError } from '../client/proxy-error.js';
import { defaultFetch, NodeResponse } from './default-fetch.js';
import type { FetchInit, FetchLike, FetchResponseLike } from './fetch-types.js';
import type { ProxyEndpoint, ProxySettings } from './proxy-env.js';
import { scrub } from './redact.js';

/**
 * The default transport through an HTTP proxy, written on `node:http` and `node:tls` rather than
 * taken from a library: a CONNECT tunnel is ~100 lines here, a library (https-proxy-agent with
 * agent-base, or undici's ProxyAgent) would be the package's first runtime dependency or a second
 * HTTP stack, and this stays tested against a real squid (test/proxy/). Loaded only when a proxy
 * is configured, so the direct path neither loads nor pays for it.
 */

interface Modules {
  http: typeof import('node:http');
  https: typeof import('node:https');
  tls: typeof import('node:tls');
  net: typeof import('node:net');
  /** Keep-alive connections to the proxies, for plain-HTTP requests (sent to the proxy in absolute form). */
  agent: import('node:http').Agent;
}

let loaded: Promise<Modules> | undefined;
const fetches = new WeakMap<ProxySettings, Promise<FetchLike>>();

/** Errors meaning the proxy itself was never reached. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);

function loadModules(): Promise<Modules> {
  loaded ??= Promise.all([import('node:http'), import('node:https'), import('node:tls'), import('node:net')]).then(
    ([http, https, tls, net]) => ({ http, https, tls, net, agent: new http.Agent({ keepAlive: true }) }),
  );
  return loaded;
}

function unreachable(endpoint: ProxyEndpoint, error: unknown): OAuthProxyError {
  return new OAuthProxyError(`Could not reach the proxy ${endpoint.href}.`, {
    proxy: endpoint.href,
    cause: sanitizedCause(error, [endpoint.authorization]),
  });
}

function refused(endpoint: ProxyEndpoint, target: string, response: IncomingMessage): OAuthProxyError {
  // The reason phrase is the proxy's own words; bounded, and scrubbed in case it echoes credentials.
  const reason = scrub(String(response.statusMessage ?? '').slice(0, 200), [endpoint.authorization]);
  return new OAuthProxyError(
    `The proxy ${endpoint.href} refused the request to ${target}: ${response.statusCode} ${reason}`.trimEnd(),
    { proxy: endpoint.href, proxyStatus: response.statusCode },
  );
}

/** Destroys `request` when `signal` fires, for as long as the request lives. */
function abortWith(request: ClientRequest, signal: AbortSignal | undefined): void {
  if (!signal) return;
  const onAbort = () => request.destroy(signal.reason);
  if (signal.aborted) {
    onAbort();
    return;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  request.once('close', () => signal.removeEventListener('abort', onAbort));
}

function proxyHeaders(endpoint: ProxyEndpoint): Record<string, string> {
  return endpoint.authorization ? { 'proxy-authorization': endpoint.authorization } : {};
}

/** Opens a CONNECT tunnel through the proxy to `authority` (`host:port`): the proxy sees no more than that. */
function openTunnel(m: Modules, endpoint: ProxyEndpoint, authority: string, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const request = m.http.request({
      host: endpoint.hostname,
      port: endpoint.port,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...proxyHeaders(endpoint) },
      agent: false,
    });
    abortWith(request, signal);
    request.once('connect', (response: IncomingMessage, socket: Socket, head: Buffer) => {
      if (response.statusCode === 200) {
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      } else {
        socket.destroy();
        reject(refused(endpoint, authority, response));
      }
    });
    request.once('error', (error) => reject(signal?.aborted ? error : unreachable(endpoint, error)));
    request.end();
  });
}

function send(
  request: ClientRequest,
  body: string,
  signal: AbortSignal | undefined,
  onResponse: (response: IncomingMessage) => FetchResponseLike,
  onError: (error: Error) => Error,
): Promise<FetchResponseLike> {
  return new Promise((resolve, reject) => {
    abortWith(request, signal);
    request.once('response', (response) => {
      try {
        resolve(onResponse(response));
      } catch (error) {
        response.resume();
        reject(error);
      }
    });
    request.on('error', (error) => reject(onError(error)));
    request.end(body);
  });
}

/** HTTPS through the tunnel: TLS runs end to end with the OAuth host and checks its certificate. */
async function tunnelled(m: Modules, endpoint: ProxyEndpoint, target: URL, init: FetchInit) {
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || 443);
  const raw = await openTunnel(m, endpoint, `${target.hostname}:${port}`, init.signal);
  const body = init.body ?? '';
  // `host` is what the certificate is checked against; SNI carries names only, never an address.
  const secure = m.tls.connect({ socket: raw, host, servername: m.net.isIP(host) ? undefined : host });
  const options: RequestOptions = {
    method: init.method ?? 'GET',
    headers: { ...init.headers, 'content-length': String(Buffer.byteLength(body)) },
    createConnection: () => secure,
  };
  const request = m.https.request(target, options);
  request.once('close', () => secure.destroy());
  return send(
    request,
    body,
    init.signal,
    (response) => new NodeResponse(response),
    (error) => error,
  );
}

/** Plain HTTP through the proxy, in absolute form (`GET http://host/path`). */
function forwarded(m: Modules, endpoint: ProxyEndpoint, target: URL, init: FetchInit) {
  const body = init.body ?? '';
  const request = m.http.request({
    host: endpoint.hostname,
    port: endpoint.port,
    method: init.method ?? 'GET',
    path: target.href,
    headers: {
      ...init.headers,
      host: target.host,
      'content-length': String(Buffer.byteLength(body)),
      ...proxyHeaders(endpoint),
    },
    agent: m.agent,
  });
  return send(
    request,
    body,
    init.signal,
    (response) => {
      // Only a proxy answers 407; a 403 passes through, as it may be the server's own.
      if (response.statusCode === 407) throw refused(endpoint, target.host, response);
      return new NodeResponse(response);
    },
    (error) => {
      const code = (error as { code?: unknown }).code;
      return typeof code === 'string' && UNREACHABLE.has(code) && !init.signal?.aborted
        ? unreachable(endpoint, error)
        : error;
    },
  );
}

/**
 * The default transport with `settings` applied: each request goes through the proxy they name
 * for its URL, or direct (the plain default transport) when `NO_PROXY` exempts it.
 */
export function proxiedFetch(settings: ProxySettings): Promise<FetchLike> {
  let cached = fetches.get(settings);
  if (!cached) {
    cached = Promise.all([defaultFetch(), loadModules()]).then(([direct, m]): FetchLike => {
      return (url, init) => {
        const target = new URL(url);
        const endpoint = settings.proxyFor(target);
        if (!endpoint) return direct(url, init);
        return target.protocol === 'https:'
          ? tunnelled(m, endpoint, target, init)
          : forwarded(m, endpoint, target, init);
      };
    });
    fetches.set(settings, cached);
  }
  return cached;
}
