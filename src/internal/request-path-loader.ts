import type { AccessTokenSource, ApiFetchInput } from '../api/fetch.js';
import type { ApiTransport } from '../api/transport.js';
import { OAuthConnectionError } from '../client/errors.js';
import type { BufferedResponse, CallContext, TransportOptions } from '../client/transport.js';
import type { GeneratedRequests, OutgoingRequest } from './generated-seam.js';
import { sanitizedCause } from './sanitized-cause.js';

/**
 * The request path (transport, default `node:http` client, proxy, generated request builder,
 * `session.fetch`) is a chunk of its own, imported on the first request rather than by
 * `require('hellosign-oauth')`: compiling it is a large share of the package's cold start, and
 * constructing clients, sessions and token sets needs none of it. Once it is loaded, the
 * functions below call straight into it, with no extra `await`.
 */
type RequestPath = typeof import('./request-path.js');

let loaded: RequestPath | undefined;
let loading: Promise<RequestPath> | undefined;

function loadRequestPath(): Promise<RequestPath> {
  loading ??= import('./request-path.js').then(
    (module) => {
      loaded = module;
      return module;
    },
    (error: unknown) => {
      // Not kept: a load that failed (EMFILE under load, say) is tried again by the next request.
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/** Sends a built request with its per-call context (the function `createTransport` returns). */
export type Transport = (request: OutgoingRequest, context: CallContext) => Promise<BufferedResponse>;

/** `createTransport(options)`, built when the first request is sent. */
export function lazyTransport(options: TransportOptions): Transport {
  let transport: Transport | undefined;
  return (request, context) => {
    if (transport !== undefined) return transport(request, context);
    return loadRequestPath().then((module) => {
      transport ??= module.createTransport(options);
      return transport(request, context);
    });
  };
}

/** What the client asks of `GeneratedRequests`. */
export type RequestBuilder = Pick<GeneratedRequests, 'tokenGenerate' | 'tokenRefresh'>;

/** `new GeneratedRequests(basePath)`, built when the first request is. */
export function lazyRequests(basePath: string): RequestBuilder {
  let requests: GeneratedRequests | undefined;
  const ready = (): Promise<GeneratedRequests> =>
    loadRequestPath().then((module) => {
      requests ??= new module.GeneratedRequests(basePath);
      return requests;
    });
  return {
    tokenGenerate: (parameters) =>
      requests?.tokenGenerate(parameters) ?? ready().then((r) => r.tokenGenerate(parameters)),
    tokenRefresh: (parameters) => requests?.tokenRefresh(parameters) ?? ready().then((r) => r.tokenRefresh(parameters)),
  };
}

/** `fetchWithToken` of src/api/fetch.ts (`session.fetch`), loaded with the rest of the request path. */
export function fetchWithToken(
  transport: ApiTransport,
  source: AccessTokenSource,
  input: ApiFetchInput,
  init?: RequestInit,
): Promise<Response> {
  if (loaded !== undefined) return loaded.fetchWithToken(transport, source, input, init);
  return loadRequestPath().then(
    (module) => module.fetchWithToken(transport, source, input, init),
    // Typed as the refresh path types it (OAuthClient wraps what is not an OAuthError).
    (error: unknown) => {
      throw new OAuthConnectionError('The request failed.', { cause: sanitizedCause(error, []) });
    },
  );
}
