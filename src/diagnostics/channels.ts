import { channel, type TracingChannel, tracingChannel } from 'node:diagnostics_channel';
import { OAuthApiError, OAuthError } from '../client/errors.js';
import { parseRateLimit } from '../client/rate-limit.js';
import type { ResponseHeaders } from '../internal/headers.js';

/**
 * The `node:diagnostics_channel` names this package publishes on (see docs/observability.md).
 * Every payload is plain data: operation names, counts, statuses, durations and error codes, never
 * a secret, a code, a token or a body. Nothing is built or published while nobody subscribes.
 */
export const DIAGNOSTICS_CHANNELS = {
  /** `TracingChannel`: one token request (`exchangeCode`/`refresh`), retries included. {@link TokenRequestMessage} */
  tokenRequest: 'hellosign-oauth:token-request',
  /** Channel: one attempt of a token request and the retry decision after it. {@link AttemptMessage} */
  attempt: 'hellosign-oauth:attempt',
  /** `TracingChannel`: one refresh by a `TokenManager`/`TokenSession`, lock and store write included. {@link SessionRefreshMessage} */
  sessionRefresh: 'hellosign-oauth:session-refresh',
  /** Channel: how long a refresh waited for the store's cross-process lock. {@link LockWaitMessage} */
  lockWait: 'hellosign-oauth:lock-wait',
  /** Channel: the server said the grant is dead; only a new consent helps. {@link ReauthorizationMessage} */
  reauthorizationRequired: 'hellosign-oauth:reauthorization-required',
  /** Channel: the rate-limit window a response reported. {@link RateLimitMessage} */
  rateLimit: 'hellosign-oauth:rate-limit',
} as const;

/** The token operations, named as in openapi.yaml. */
export type TokenOperation = 'oauthTokenGenerate' | 'oauthTokenRefresh';

/**
 * The context object of the `hellosign-oauth:token-request` TracingChannel. `operation` is set at
 * `start`; the rest by `asyncEnd` (or `error`, where the TracingChannel also sets `error`, an
 * `OAuthError`, redacted like every error of this package). There is never a `result`.
 */
export interface TokenRequestMessage {
  /** Which token request; set at `start`. */
  operation: TokenOperation;
  /** Attempts sent (1 + retries). */
  attempts?: number;
  /** The final HTTP status, when a response arrived. */
  status?: number;
  /** Wall time of the whole request, retries and their waits included, in ms. */
  durationMs?: number;
  /** The `code` of the error it failed with (`OAUTH_TIMEOUT`, `invalid_grant`, …). */
  errorCode?: string;
  /** Set by the TracingChannel on failure: the error the caller gets. */
  error?: unknown;
}

/** Published on `hellosign-oauth:attempt` after each attempt, with what the client decided next. */
export interface AttemptMessage {
  /** `oauthTokenGenerate` or `oauthTokenRefresh`. */
  operation: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** The HTTP status, when a response arrived. */
  status?: number;
  /** The `code` of the error, when the attempt failed without a response. */
  errorCode?: string;
  /** From sending the attempt to its response or failure, in ms (0 if a subscriber joined mid-attempt). */
  durationMs: number;
  /** Whether another attempt follows. */
  retry: boolean;
  /** How long the client waits before it, when `retry`. */
  retryDelayMs?: number;
}

/** The context object of the `hellosign-oauth:session-refresh` TracingChannel. */
export interface SessionRefreshMessage {
  /** The `TokenManager` key of the grant (`session` for a `TokenSession`): your own identifier. */
  key: string;
  /** Wall time of the refresh, lock wait excluded, store write included, in ms. */
  durationMs?: number;
  /** The `code` of the error it failed with. */
  errorCode?: string;
  /** True when it failed because the grant needs a new consent. */
  reauthorizationRequired?: boolean;
  /** Set by the TracingChannel on failure. */
  error?: unknown;
}

/** Published on `hellosign-oauth:lock-wait` when a refresh got the store's lock (`runExclusive`). */
export interface LockWaitMessage {
  /** The `TokenManager` key of the grant. */
  key: string;
  /** From asking `runExclusive` for the lock to the refresh starting under it, in ms. */
  waitedMs: number;
}

/** Published on `hellosign-oauth:reauthorization-required`. */
export interface ReauthorizationMessage {
  /** The token request the server refused. */
  operation: TokenOperation;
  /** Its HTTP status (400 or 401). */
  status: number;
  /** The server's error code (`invalid_grant`, …). */
  code: string;
}

/** Published on `hellosign-oauth:rate-limit` for each response that carried the `X-RateLimit-*` headers. */
export interface RateLimitMessage {
  /** The token request the response answered. */
  operation: string;
  /** The response's HTTP status (a 429 carries the window too). */
  status: number;
  /** Requests allowed in the window (`X-RateLimit-Limit`). */
  limit: number;
  /** Requests left in it (`X-RateLimit-Remaining`). */
  remaining: number;
  /** When the window resets, in ms since the epoch. */
  resetAt: number;
}

const tokenRequests = tracingChannel<unknown, TokenRequestMessage>(DIAGNOSTICS_CHANNELS.tokenRequest);
const sessionRefreshes = tracingChannel<unknown, SessionRefreshMessage>(DIAGNOSTICS_CHANNELS.sessionRefresh);
const attempts = channel(DIAGNOSTICS_CHANNELS.attempt);
const lockWaits = channel(DIAGNOSTICS_CHANNELS.lockWait);
const reauthorizations = channel(DIAGNOSTICS_CHANNELS.reauthorizationRequired);
const rateLimits = channel(DIAGNOSTICS_CHANNELS.rateLimit);

/** `TracingChannel.hasSubscribers` is missing before Node 20.13: ask its channels instead. */
function traced(tracing: TracingChannel<unknown, object>): boolean {
  return (
    tracing.start.hasSubscribers ||
    tracing.end.hasSubscribers ||
    tracing.asyncStart.hasSubscribers ||
    tracing.asyncEnd.hasSubscribers ||
    tracing.error.hasSubscribers
  );
}

function errorCode(error: unknown): string | undefined {
  return error instanceof OAuthError ? error.code : error instanceof Error ? error.name : undefined;
}

/** True while someone listens to the token-request TracingChannel: only then is a request traced. */
export function tokenRequestsTraced(): boolean {
  return traced(tokenRequests);
}

/**
 * Runs one token request inside the token-request TracingChannel. `run` resolves to the value and
 * to the facts the message needs; only the facts reach the message (a TracingChannel would put
 * a resolved value, the tokens, into it).
 */
export async function traceTokenRequest<T>(
  operation: TokenOperation,
  run: () => Promise<{ value: T; status: number; attempts: number }>,
  onError: (error: unknown, message: TokenRequestMessage) => void,
): Promise<T> {
  const message: TokenRequestMessage = { operation };
  const started = performance.now();
  let value: T | undefined;
  await tokenRequests.tracePromise(async () => {
    try {
      const outcome = await run();
      value = outcome.value;
      message.status = outcome.status;
      message.attempts = outcome.attempts;
    } catch (error) {
      message.errorCode = errorCode(error);
      onError(error, message);
      throw error;
    } finally {
      message.durationMs = performance.now() - started;
    }
  }, message);
  return value as T;
}

/** Runs one manager refresh inside the session-refresh TracingChannel. */
export async function traceSessionRefresh<T>(key: string, run: () => Promise<T>): Promise<T> {
  if (!traced(sessionRefreshes)) return run();
  const message: SessionRefreshMessage = { key };
  const started = performance.now();
  let value: T | undefined;
  await sessionRefreshes.tracePromise(async () => {
    try {
      value = await run();
    } catch (error) {
      message.errorCode = errorCode(error);
      message.reauthorizationRequired =
        (error as { requiresReauthorization?: unknown }).requiresReauthorization === true;
      throw error;
    } finally {
      message.durationMs = performance.now() - started;
    }
  }, message);
  return value as T;
}

/** The clock for attempt durations: read only while someone listens. */
export function attemptClock(): number {
  return attempts.hasSubscribers ? performance.now() : 0;
}

/** Publishes one attempt's outcome and retry decision, and the rate-limit window it reported. */
export function publishAttempt(
  fields: { operation: string; attempt: number; status?: number; error?: unknown; retryDelayMs?: number },
  started: number,
  headers?: ResponseHeaders,
): void {
  if (attempts.hasSubscribers) {
    const message: AttemptMessage = {
      operation: fields.operation,
      attempt: fields.attempt,
      durationMs: started === 0 ? 0 : performance.now() - started,
      retry: fields.retryDelayMs !== undefined,
    };
    if (fields.status !== undefined) message.status = fields.status;
    if (fields.error !== undefined) message.errorCode = errorCode(fields.error);
    if (fields.retryDelayMs !== undefined) message.retryDelayMs = fields.retryDelayMs;
    attempts.publish(message);
  }
  if (headers && fields.status !== undefined && rateLimits.hasSubscribers) {
    const window = parseRateLimit(headers);
    if (window) {
      const message: RateLimitMessage = {
        operation: fields.operation,
        status: fields.status,
        limit: window.limit,
        remaining: window.remaining,
        resetAt: window.resetAt.getTime(),
      };
      rateLimits.publish(message);
    }
  }
}

/** Publishes when `error` says the grant needs a new consent; returns `error` for the caller to throw. */
export function reportReauthorization(operation: string, error: OAuthError): OAuthError {
  if (reauthorizations.hasSubscribers && error instanceof OAuthApiError && error.requiresReauthorization) {
    const message: ReauthorizationMessage = {
      operation: operation as TokenOperation,
      status: error.status,
      code: error.code,
    };
    reauthorizations.publish(message);
  }
  return error;
}

/**
 * Wraps a refresh task handed to `runExclusive` so the time until the lock lets it run is
 * published. Unwrapped while nobody listens.
 */
export function timeLockWait<A extends unknown[], T>(
  key: string,
  task: (...args: A) => Promise<T>,
): (...args: A) => Promise<T> {
  if (!lockWaits.hasSubscribers) return task;
  const asked = performance.now();
  return (...args: A) => {
    const message: LockWaitMessage = { key, waitedMs: performance.now() - asked };
    lockWaits.publish(message);
    return task(...args);
  };
}
