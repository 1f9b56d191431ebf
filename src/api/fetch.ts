import { OAuthConnectionError, OAuthValidationError } from '../client/errors.js';
import { isReplayableBody } from './request-body.js';
import type { ApiRequestInit, ApiTransport } from './transport.js';
import { sharedUrl } from './url-cache.js';

/** What `fetch` and `withAccessToken` need from a session or a manager's grant. */
export interface AccessTokenSource {
  getAccessToken(): Promise<string>;
  invalidate(rejectedAccessToken: string): void;
}

/** What `session.fetch` takes first: a path relative to `apiBaseUrl`, an absolute URL, or a `Request`. */
export type ApiFetchInput = string | URL | Request;

/** Fetch's own limit (WHATWG Fetch, HTTP-redirect fetch, step 5). */
const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that describe a body; dropped with it when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];
const ABSOLUTE = /^[a-z][a-z\d+.-]*:/i;
/** An HTTP method is a token (RFC 9110 §5.6.2); Fetch refuses these three. */
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const REDIRECT_MODES = new Set(['follow', 'manual', 'error']);
const NO_INIT: RequestInit = Object.freeze({});

interface PreparedRequest {
  url: URL;
  method: string;
  /** The caller's headers; `undefined` when there are none (the common case), so none are built. */
  headers: Headers | undefined;
  body: BodyInit | null | undefined;
  signal: AbortSignal | null | undefined;
  redirect: RequestRedirect;
  replayable: boolean;
  /** The caller's other `RequestInit` fields, passed on as they are; `undefined` when there are none. */
  rest: RequestInit | undefined;
}

/** Joined, not resolved: `new URL('/account', base)` would drop the base's `/v3`. */
function joinPath(base: string, path: string): string {
  return `${base}${path.startsWith('/') ? '' : '/'}${path}`;
}

function resolveUrl(transport: ApiTransport, input: string | URL): URL {
  if (input instanceof URL) return new URL(input.href);
  if (ABSOLUTE.test(input)) {
    try {
      return new URL(input);
    } catch {
      throw new OAuthValidationError('The URL is not valid.');
    }
  }
  // Shared with other calls for the same path: a request only reads it (a redirect makes a new one).
  try {
    return sharedUrl(transport.baseUrl, input, joinPath);
  } catch {
    throw new OAuthValidationError('The path is not a valid URL path.');
  }
}

/**
 * Fetch would reject these only when sending, after a refresh, and the transport would report
 * that as a connection failure: bad input is said to be bad input, before any token work.
 */
function checkInit(method: unknown, signal: unknown, redirect: unknown): void {
  if (method !== undefined && (typeof method !== 'string' || !METHOD.test(method))) {
    throw new OAuthValidationError('init.method must be an HTTP method name, like "GET".');
  }
  if (typeof method === 'string' && FORBIDDEN_METHODS.has(method.toUpperCase())) {
    throw new OAuthValidationError(`init.method ${method.toUpperCase()} is not allowed by Fetch.`);
  }
  if (signal !== undefined && signal !== null && !(signal instanceof AbortSignal)) {
    throw new OAuthValidationError('init.signal must be an AbortSignal when given.');
  }
  if (redirect !== undefined && !REDIRECT_MODES.has(redirect as string)) {
    throw new OAuthValidationError('init.redirect must be "follow", "manual" or "error".');
  }
}

function prepare(transport: ApiTransport, input: ApiFetchInput, init: RequestInit | undefined): PreparedRequest {
  if (init !== undefined && (init === null || typeof init !== 'object')) {
    throw new OAuthValidationError('init must be an object when given.');
  }
  const isRequest = input instanceof Request;
  if (!isRequest && typeof input !== 'string' && !(input instanceof URL)) {
    throw new OAuthValidationError('fetch needs a path, a URL or a Request.');
  }
  const url = resolveUrl(transport, isRequest ? input.url : input);
  if (url.origin !== transport.origin) {
    throw new OAuthValidationError(
      `Refusing to send the access token to ${url.origin}: API calls go to ${transport.origin} only (apiBaseUrl).`,
      'OAUTH_FOREIGN_ORIGIN',
    );
  }
  // No init and no Request (the common `session.fetch('/account')`): a GET with nothing to merge.
  if (init === undefined && !isRequest) {
    return {
      url,
      method: 'GET',
      headers: undefined,
      body: undefined,
      signal: undefined,
      redirect: 'follow',
      replayable: true,
      rest: undefined,
    };
  }
  const { method, headers, body, signal, redirect, ...others } = init ?? NO_INIT;
  const rest = init === undefined ? undefined : others;
  checkInit(method, signal, redirect);
  let merged: Headers | undefined;
  const callerHeaders = headers ?? (isRequest ? input.headers : undefined);
  if (callerHeaders !== undefined) {
    try {
      merged = new Headers(callerHeaders);
    } catch {
      throw new OAuthValidationError('init.headers is not a valid set of headers.');
    }
  }
  const chosenBody = body !== undefined ? body : isRequest ? input.body : undefined;
  const chosenMethod = (method ?? (isRequest ? input.method : 'GET')).toUpperCase();
  if (chosenBody !== undefined && chosenBody !== null && (chosenMethod === 'GET' || chosenMethod === 'HEAD')) {
    throw new OAuthValidationError(`A ${chosenMethod} request cannot have a body (Fetch refuses it).`);
  }
  return {
    url,
    method: chosenMethod,
    headers: merged,
    body: chosenBody,
    signal: signal !== undefined ? signal : isRequest ? input.signal : undefined,
    redirect: redirect ?? (isRequest ? input.redirect : 'follow'),
    replayable: isReplayableBody(chosenBody),
    rest,
  };
}

function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

interface Sent {
  response: Response;
  /** False once a redirect left the API's origin: a 401 from there says nothing about the token. */
  carriedToken: boolean;
}

/**
 * One send of the request to `url`, the token attached only while `carriedToken`. Not async: the
 * caller's await is the only one.
 */
function sendHop(
  transport: ApiTransport,
  request: PreparedRequest,
  hop: { url: URL; method: string; headers: Headers | undefined; body: BodyInit | null | undefined },
  token: string,
  carriedToken: boolean,
  index: number,
): Promise<Response> {
  const { url, method, headers, body } = hop;
  // Without the caller's headers, each send gets a plain record of its own: the `fetch` builds its
  // own headers from it anyway, so a `Headers` here would only validate the same values twice.
  let sent: Headers | Record<string, string>;
  if (headers === undefined) sent = carriedToken ? { authorization: `Bearer ${token}` } : {};
  else {
    if (carriedToken) headers.set('authorization', `Bearer ${token}`);
    else headers.delete('authorization');
    sent = headers;
  }
  const init: ApiRequestInit =
    request.rest === undefined
      ? { method, headers: sent, body, signal: request.signal }
      : { ...request.rest, method, headers: sent, body, signal: request.signal };
  if (body instanceof ReadableStream) init.duplex = 'half';
  transport.logger?.debug?.('hellosign-oauth: api request', { method, path: url.pathname, hop: index });
  return transport.send(url, init, token);
}

function logResponse(transport: ApiTransport, method: string, url: URL, response: Response): void {
  transport.logger?.debug?.('hellosign-oauth: api response', { method, path: url.pathname, status: response.status });
}

/** True when `response` may be a redirect that `sendFollowingRedirects` follows. */
function mayRedirect(request: PreparedRequest, response: Response): boolean {
  return REDIRECT_STATUSES.has(response.status) && request.redirect !== 'manual';
}

/**
 * Sends the request and follows redirects the way Fetch does, except that the token is attached
 * only while the request is at the API's origin: once a redirect leaves it, the header is gone
 * for good (as browsers drop `Authorization` on a cross-origin redirect). `firstResponse`: the
 * answer to hop 0 when the caller already sent it (with `sendHop`, the token attached).
 */
async function sendFollowingRedirects(
  transport: ApiTransport,
  request: PreparedRequest,
  token: string,
  firstResponse?: Response,
): Promise<Sent> {
  let { url, method, body } = request;
  // The caller's headers serve the first hop as they are (the token is set on every send); a
  // redirect that drops headers works on a copy, so a retry after a 401 starts from the originals.
  let headers = request.headers;
  let carriedToken = true;
  for (let hop = 0; ; hop++) {
    const response =
      hop === 0 && firstResponse !== undefined
        ? firstResponse
        : await sendHop(transport, request, { url, method, headers, body }, token, carriedToken, hop);
    logResponse(transport, method, url, response);
    // Only a redirect status makes the Location header worth reading.
    if (!mayRedirect(request, response)) return { response, carriedToken };
    const location = response.headers.get('location');
    if (location === null) return { response, carriedToken };
    if (request.redirect === 'error' || hop >= MAX_REDIRECTS) {
      discard(response);
      throw new OAuthConnectionError(
        request.redirect === 'error' ? 'The API answered a redirect and redirect is "error".' : 'Too many redirects.',
        { code: 'OAUTH_REDIRECT' },
      );
    }
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return { response, carriedToken };
    }
    if (next.protocol !== 'https:' && next.protocol !== 'http:') return { response, carriedToken };
    if (headers !== undefined && headers === request.headers) headers = new Headers(headers);
    const status = response.status;
    if (((status === 301 || status === 302) && method === 'POST') || (status === 303 && method !== 'HEAD')) {
      method = 'GET';
      body = undefined;
      if (headers !== undefined) for (const name of BODY_HEADERS) headers.delete(name);
    } else if (body !== undefined && body !== null && !request.replayable) {
      // A stream was consumed by the first send: hand the redirect to the caller.
      return { response, carriedToken };
    }
    if (next.origin !== transport.origin) carriedToken = false;
    discard(response);
    url = next;
  }
}

/**
 * `fetch` with the grant's access token: refuses other origins before sending, refreshes first
 * when needed, and after a 401 invalidates the rejected token and retries once, only when the
 * body can be sent again. Anything else, a second 401 included, is the caller's response.
 */
export async function fetchWithToken(
  transport: ApiTransport,
  source: AccessTokenSource,
  input: ApiFetchInput,
  init?: RequestInit,
): Promise<Response> {
  const request = prepare(transport, input, init);
  const token = await source.getAccessToken();
  // Hop 0 is awaited here (one async step less per call); a redirect goes on in sendFollowingRedirects.
  let response = await sendHop(transport, request, request, token, true, 0);
  let carriedToken = true;
  if (mayRedirect(request, response)) {
    ({ response, carriedToken } = await sendFollowingRedirects(transport, request, token, response));
  } else logResponse(transport, request.method, request.url, response);
  if (response.status !== 401 || !carriedToken) return response;
  // Reported even when the body cannot be replayed: the next call then starts with a fresh token.
  source.invalidate(token);
  if (!request.replayable) return response;
  discard(response);
  transport.logger?.warn?.('hellosign-oauth: the API rejected the access token; refreshing and retrying once', {
    method: request.method,
    path: request.url.pathname,
  });
  const fresh = await source.getAccessToken();
  return (await sendFollowingRedirects(transport, request, fresh)).response;
}
