import { attemptClock, publishAttempt } from '../diagnostics/channels.js';
import { AttemptAbort } from '../internal/attempt-abort.js';
import { defaultFetch, sendDirect } from '../internal/default-fetch.js';
import type { FetchInit, FetchLike, FetchResponseLike } from '../internal/fetch-types.js';
import type { OutgoingRequest } from '../internal/generated-seam.js';
import { headersToRecord, type ResponseHeaders } from '../internal/headers.js';
import { proxiedFetch } from '../internal/proxy.js';
import type { ProxySettings } from '../internal/proxy-env.js';
import { scrubHeaders } from '../internal/redact.js';
import { VERSION } from '../version.js';
import {
  InvalidResponseError,
  OAuthAbortError,
  OAuthConnectionError,
  OAuthTimeoutError,
  sanitizedCause,
} from './errors.js';
import type { Logger } from './logger.js';
import { OAuthProxyError } from './proxy-error.js';
import { parseRetryAfter } from './rate-limit.js';

export type { FetchInit, FetchLike, FetchResponseLike } from '../internal/fetch-types.js';

/** Per-call facts the client hands to the transport alongside the generated request. */
export interface CallContext {
  readonly operation: string;
  /** Values to scrub from anything that could reach a person. */
  readonly secrets: readonly (string | undefined)[];
  readonly signal?: AbortSignal;
  /** When the last attempt was sent (ms since epoch); token expiry counts from here. */
  sentAt: number;
  attempts: number;
  /** Awaited right before each attempt; a throw stops the call with that error (see `RefreshOptions`). */
  readonly beforeAttempt?: (attempt: { timeoutMs: number }) => Promise<void> | void;
}

export interface TransportOptions {
  fetch?: FetchLike;
  /** Proxy rules for the default transport (`fetch` unset); `undefined`: every request goes direct. */
  proxy?: ProxySettings;
  timeoutMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  maxRetryAfterMs: number;
  maxResponseBytes: number;
  userAgent?: string;
  logger?: Logger;
  now: () => number;
}

/** A response whose body was read in full (within the timeout and size cap) by the transport. */
export class BufferedResponse {
  readonly ok: boolean;

  constructor(
    readonly status: number,
    readonly headers: ResponseHeaders,
    readonly bodyText: string,
  ) {
    this.ok = status >= 200 && status < 300;
  }

  async text(): Promise<string> {
    return this.bodyText;
  }

  async json(): Promise<unknown> {
    return JSON.parse(this.bodyText);
  }

  clone(): BufferedResponse {
    return this;
  }
}

/** Network failures that happen before a byte of the request leaves: the server cannot have acted. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, errno } = current as { code?: unknown; errno?: unknown };
    if (typeof code === 'string') codes.push(code);
    if (typeof errno === 'string') codes.push(errno);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

function wasNeverSent(error: unknown): boolean {
  return errorCodes(error).some((code) => NOT_SENT_CODES.has(code));
}

class BodyTooLargeError extends Error {}

/** Stops an unread body so its connection is freed (node-fetch streams and web streams differ). */
function discard(body: unknown): void {
  const stream = body as { destroy?: () => void; cancel?: () => Promise<unknown>; locked?: boolean } | null;
  stream?.destroy?.();
  if (stream?.cancel && !stream.locked) stream.cancel().catch(() => undefined);
}

/**
 * Not async: the caller awaits it inside a try, so a synchronous throw lands where a rejection
 * would, and a body of declared length is the text() promise itself, without an async wrapper.
 */
function readBody(response: FetchResponseLike, limit: number): Promise<string> {
  const body = response.body as AsyncIterable<Uint8Array> | null | undefined;
  const length = response.headers.get('content-length');
  const declared = Number(length);
  if (declared > limit) {
    discard(body);
    throw new BodyTooLargeError();
  }
  // A declared length bounds what the HTTP client reads, so take the fast path; but not for a
  // compressed body, whose length says nothing about its size once decoded.
  const encoding = response.headers.get('content-encoding');
  const identity = encoding === null || encoding.trim().toLowerCase() === 'identity';
  if (identity && Number.isFinite(declared) && length !== null) return response.text();
  if (!body || typeof body[Symbol.asyncIterator] !== 'function') return response.text();
  return readStream(body, limit);
}

async function readStream(body: AsyncIterable<Uint8Array>, limit: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) {
      discard(body);
      throw new BodyTooLargeError();
    }
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new OAuthAbortError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new OAuthAbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Builds the function that sends every request of the package, with its `CallContext`, so
 * the whole transport policy lives in this one function: user agent, no redirects, a per-attempt
 * timeout covering headers and body, a cap on the body, and the retry rules (see README, Retries).
 */
export function createTransport(options: TransportOptions) {
  const userAgent = [`hellosign-oauth/${VERSION}`, `node/${process.version}`, options.userAgent]
    .filter(Boolean)
    .join(' ');
  const log = options.logger;

  /** Milliseconds to wait before retrying this response, or undefined when it must not be retried. */
  function retryDelay(response: BufferedResponse, attempt: number): number | undefined {
    // Only a 429 or a 503 can be retried: the rest (every success) skips the clock and the parse.
    if (response.status !== 429 && response.status !== 503) return undefined;
    const retryAfter = parseRetryAfter(response.headers['retry-after'], options.now());
    // 429: the server refused before acting. 503 with Retry-After: the server says come back.
    if (response.status !== 429 && !(response.status === 503 && retryAfter !== undefined)) return undefined;
    if (retryAfter !== undefined) return retryAfter <= options.maxRetryAfterMs ? retryAfter : undefined;
    return backoff(attempt);
  }

  function backoff(attempt: number): number {
    // Full jitter (AWS architecture blog): spreads a burst of clients over the whole window.
    const ceiling = Math.min(options.retryBaseDelayMs * 2 ** (attempt - 1), options.maxRetryAfterMs);
    return Math.round(Math.random() * ceiling);
  }

  async function attempt(url: string, init: FetchInit, context: CallContext): Promise<BufferedResponse> {
    // The default transport takes a light abort switch; a user's fetch or the proxy, a real signal.
    const controller = options.fetch === undefined && !options.proxy ? new AttemptAbort() : new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs);
    // Only with a caller's signal, and anonymous (not directly bound to a name): the CJS build's
    // keepNames wraps a named closure in a `__name` call (Object.defineProperty, ~1 µs) each time.
    const signal = context.signal;
    const onCallerAbort = signal === undefined ? undefined : () => controller.abort();
    try {
      if (signal !== undefined && onCallerAbort !== undefined) {
        signal.addEventListener('abort', onCallerAbort, { once: true });
        if (signal.aborted) throw new OAuthAbortError();
      }
      let response: FetchResponseLike;
      // node:http never follows a redirect, so the init goes as it is, without a copy.
      if (controller instanceof AttemptAbort) response = await sendDirect(url, init, controller);
      else {
        const fetchImpl = options.fetch ?? (await (options.proxy ? proxiedFetch(options.proxy) : defaultFetch()));
        response = await fetchImpl(url, { ...init, redirect: 'manual', signal: controller.signal });
      }
      const headers = scrubHeaders(headersToRecord(response.headers), context.secrets);
      let body: string;
      try {
        body = await readBody(response, options.maxResponseBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          // An error status still says what happened (and a 429 may be retried): only a token
          // body has to be read whole, so only a 2xx fails as an invalid response.
          const ok = response.status >= 200 && response.status < 300;
          if (!ok) return new BufferedResponse(response.status, headers, '');
          throw new InvalidResponseError(
            `Response body exceeds ${options.maxResponseBytes} bytes; not read.`,
            response.status,
            headers,
          );
        }
        throw error;
      }
      return new BufferedResponse(response.status, headers, body);
    } catch (error) {
      if (error instanceof OAuthAbortError || error instanceof InvalidResponseError) throw error;
      if (context.signal?.aborted) throw new OAuthAbortError();
      if (timedOut) throw new OAuthTimeoutError(options.timeoutMs);
      if (error instanceof OAuthProxyError) throw error;
      throw new OAuthConnectionError(`Could not reach the Dropbox Sign OAuth server (${context.operation}).`, {
        cause: sanitizedCause(error, context.secrets),
      });
    } finally {
      clearTimeout(timer);
      if (onCallerAbort !== undefined) signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  return async function transport(outgoing: OutgoingRequest, context: CallContext): Promise<BufferedResponse> {
    // Without the context there is nothing to redact with: refuse rather than send unredacted.
    if (!Array.isArray(context?.secrets))
      throw new TypeError('hellosign-oauth: transport called without a CallContext.');
    const url = outgoing.url;
    // Copied key by key: on Node 20 an object spread followed by more properties costs ~1.5 µs.
    const headers: Record<string, string> = {};
    // Own properties only (as a spread): a polluted Object.prototype must not add request headers.
    for (const name in outgoing.headers)
      if (Object.hasOwn(outgoing.headers, name)) headers[name] = outgoing.headers[name];
    headers['user-agent'] = userAgent;
    headers.accept = 'application/json';
    const request: FetchInit = { method: outgoing.method, body: outgoing.body, headers };
    for (;;) {
      context.attempts += 1;
      context.sentAt = options.now();
      const started = attemptClock();
      log?.debug?.('hellosign-oauth: request', { operation: context.operation, attempt: context.attempts });
      // Awaited only when given: `await undefined` still costs a turn of the microtask queue.
      if (context.beforeAttempt !== undefined) await context.beforeAttempt({ timeoutMs: options.timeoutMs });
      let response: BufferedResponse;
      try {
        response = await attempt(url, request, context);
      } catch (error) {
        if (
          context.attempts <= options.maxRetries &&
          error instanceof OAuthConnectionError &&
          wasNeverSent(error.cause)
        ) {
          const delay = backoff(context.attempts);
          publishAttempt(
            { operation: context.operation, attempt: context.attempts, error, retryDelayMs: delay },
            started,
          );
          log?.warn?.('hellosign-oauth: retrying, connection failed before the request was sent', {
            operation: context.operation,
            attempt: context.attempts,
            delayMs: delay,
          });
          await sleep(delay, context.signal);
          continue;
        }
        publishAttempt({ operation: context.operation, attempt: context.attempts, error }, started);
        log?.error?.('hellosign-oauth: request failed', {
          operation: context.operation,
          attempt: context.attempts,
          error: (error as Error).name,
        });
        throw error;
      }
      log?.debug?.('hellosign-oauth: response', {
        operation: context.operation,
        attempt: context.attempts,
        status: response.status,
      });
      const delay = context.attempts <= options.maxRetries ? retryDelay(response, context.attempts) : undefined;
      publishAttempt(
        { operation: context.operation, attempt: context.attempts, status: response.status, retryDelayMs: delay },
        started,
        response.headers,
      );
      if (delay === undefined) return response;
      log?.warn?.('hellosign-oauth: retrying after a response that says the request was not acted on', {
        operation: context.operation,
        attempt: context.attempts,
        status: response.status,
        delayMs: delay,
      });
      await sleep(delay, context.signal);
    }
  };
}
