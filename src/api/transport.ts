import {
  OAuthAbortError,
  OAuthConnectionError,
  OAuthTimeoutError,
  OAuthValidationError,
  sanitizedCause,
} from '../client/errors.js';
import type { Logger } from '../client/logger.js';
import type { ResolvedOptions } from '../client/options.js';
import { VERSION } from '../version.js';

/**
 * What a call to the REST API is sent with: a real Fetch `RequestInit`, its headers a `Headers` (the
 * caller's, merged) or, when the caller gave none, a plain record with lower-case names.
 */
export interface ApiRequestInit extends RequestInit {
  headers: Headers | Record<string, string>;
  /** Needed by undici for a stream body. */
  duplex?: 'half';
}

/**
 * Sends requests to the Dropbox Sign REST API. Unlike the token transport it never buffers or
 * caps the body and never retries: API answers may be large file downloads, and whether a call is
 * safe to repeat is the caller's business (the one exception, a 401, is decided in `fetch.ts`).
 */
export interface ApiTransport {
  /** `apiBaseUrl` without a trailing slash, e.g. `https://api.hellosign.com/v3`. */
  readonly baseUrl: string;
  /** The only origin the access token is ever sent to. */
  readonly origin: string;
  readonly logger: Logger | undefined;
  /** One HTTP request, no redirect followed. `secret` is scrubbed from any error it causes. */
  send(url: URL, init: ApiRequestInit, secret: string | undefined): Promise<Response>;
}

type AnyFetch = (url: string, init: RequestInit) => Promise<unknown>;

/** Statuses whose response has no body; `new Response` refuses one for them. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

interface ResponseLike {
  status: number;
  statusText?: string;
  headers: { forEach(callback: (value: string, name: string) => void): void };
  body?: unknown;
  text(): Promise<string>;
}

/**
 * A Node stream (node-fetch's body) as a web stream, read on demand. Not `Readable.toWeb`: on
 * Node 20 it throws from an event handler when data arrives after the web stream was cancelled.
 */
function webStream(body: AsyncIterable<unknown>): ReadableStream<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await chunks.next();
      if (done) controller.close();
      else controller.enqueue(value instanceof Uint8Array ? value : new TextEncoder().encode(String(value)));
    },
    async cancel() {
      // Ends the iteration, which destroys the Node stream and frees its connection.
      await chunks.return?.();
    },
  });
}

/** A custom `fetch` (node-fetch, say) answers with its own response class; callers get a global `Response`. */
async function toResponse(value: unknown): Promise<Response> {
  if (value instanceof Response) return value;
  const response = value as ResponseLike;
  const headers = new Headers();
  response.headers.forEach((headerValue, name) => {
    headers.append(name, headerValue);
  });
  const init = { status: response.status, statusText: response.statusText ?? '', headers };
  if (NULL_BODY_STATUSES.has(response.status)) return new Response(null, init);
  const body = response.body;
  if (body instanceof ReadableStream) return new Response(body, init);
  if (body !== null && typeof body === 'object' && Symbol.asyncIterator in body) {
    return new Response(webStream(body as AsyncIterable<unknown>), init);
  }
  return new Response(await response.text(), init);
}

/** The caller's signal and the timeout's, as one; `AbortSignal.any` holds neither strongly. */
function combine(caller: AbortSignal | null | undefined, timeout: AbortSignal): AbortSignal {
  return caller ? AbortSignal.any([caller, timeout]) : timeout;
}

/**
 * The transport for API calls, built from the client's options: its `fetch` (else the global
 * `fetch`), `timeoutMs` (until the response headers arrive; the body then streams at the caller's
 * pace, under the caller's `signal`), user agent and logger.
 */
export function createApiTransport(options: ResolvedOptions): ApiTransport {
  const userAgent = [`hellosign-oauth/${VERSION}`, `node/${process.version}`, options.userAgent]
    .filter(Boolean)
    .join(' ');
  const baseUrl = options.apiBaseUrl;
  const fetchImpl = (options.fetch ?? globalThis.fetch) as AnyFetch;

  async function send(url: URL, init: ApiRequestInit, secret: string | undefined): Promise<Response> {
    const caller = init.signal;
    if (caller?.aborted) throw new OAuthAbortError();
    const headers = init.headers;
    if (headers instanceof Headers) {
      if (!headers.has('user-agent')) headers.set('user-agent', userAgent);
    } else if (headers['user-agent'] === undefined) headers['user-agent'] = userAgent;
    const timeout = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      timeout.abort();
    }, options.timeoutMs);
    // `init` is built per send by fetch.ts, so it is set in place rather than copied (a spread of
    // a RequestInit costs more than the rest of this function on the fresh-token path).
    init.redirect = 'manual';
    init.signal = combine(caller, timeout.signal);
    try {
      const answer = await fetchImpl(url.href, init);
      return answer instanceof Response ? answer : await toResponse(answer);
    } catch (error) {
      if (caller?.aborted) throw new OAuthAbortError();
      if (timedOut) throw new OAuthTimeoutError(options.timeoutMs);
      throw new OAuthConnectionError(
        `Could not reach the Dropbox Sign API (${init.method ?? 'GET'} ${url.pathname}).`,
        {
          cause: sanitizedCause(error, [secret]),
        },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  return { baseUrl, origin: new URL(baseUrl).origin, logger: options.logger, send };
}

const transports = new WeakMap<object, ResolvedOptions | ApiTransport>();

/** Called by `OAuthClient`'s constructor; the transport itself is built on the first API call. */
export function registerApiOptions(client: object, options: ResolvedOptions): void {
  transports.set(client, options);
}

/** The API transport of a client built by `OAuthClient` (it holds `apiBaseUrl`); anything else is refused. */
export function apiTransportOf(client: object): ApiTransport {
  const entry = transports.get(client);
  if (entry === undefined) throw new OAuthValidationError('API calls need a client built by new OAuthClient().');
  if ('send' in entry) return entry;
  const transport = createApiTransport(entry);
  transports.set(client, transport);
  return transport;
}
