/**
 * hellosign-oauth's diagnostics channels as OpenTelemetry spans and metrics (docs/observability.md).
 * Copy it into your service, importing from 'hellosign-oauth' instead of the source path below;
 * it needs only `@opentelemetry/api`, whatever SDK and exporter you already run.
 * Tested by test/diagnostics/opentelemetry.test.ts.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { channel, tracingChannel } from 'node:diagnostics_channel';
import { context, type Meter, type Span, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import {
  type AttemptMessage,
  DIAGNOSTICS_CHANNELS,
  type LockWaitMessage,
  type RateLimitMessage,
  type ReauthorizationMessage,
  type SessionRefreshMessage,
  type TokenRequestMessage,
} from '../../src/index.js';

/** Subscribes; returns the function that unsubscribes again. */
export function instrumentHellosignOAuth(tracer: Tracer, meter: Meter): () => void {
  // The span a message belongs to, and the span current in the async flow (a token request made
  // by a session refresh becomes its child; an attempt becomes an event on its token request).
  const spans = new WeakMap<object, Span>();
  const current = new AsyncLocalStorage<Span>();

  const attempts = meter.createCounter('hellosign_oauth.attempts', { description: 'Token request attempts' });
  const durations = meter.createHistogram('hellosign_oauth.token_request.duration', { unit: 'ms' });
  const lockWaits = meter.createHistogram('hellosign_oauth.lock_wait.duration', { unit: 'ms' });
  const reauthorizations = meter.createCounter('hellosign_oauth.reauthorization_required');
  let remaining: RateLimitMessage | undefined;
  const rateLimitRemaining = meter.createObservableGauge('hellosign_oauth.rate_limit.remaining');
  const observeRateLimit = (result: { observe(value: number, attributes?: Record<string, string>): void }) => {
    if (remaining) result.observe(remaining.remaining, { operation: remaining.operation });
  };
  rateLimitRemaining.addCallback(observeRateLimit);

  function startSpan(name: string, message: object, attributes: Record<string, string>): Span {
    const parent = current.getStore();
    const span = tracer.startSpan(name, { attributes }, parent ? trace.setSpan(context.active(), parent) : undefined);
    spans.set(message, span);
    return span;
  }

  function endSpan(message: { error?: unknown; errorCode?: string }, attributes: Record<string, string | number>) {
    const span = spans.get(message);
    if (!span) return;
    span.setAttributes(attributes);
    // The package's errors are redacted, so their name and message are safe to record.
    if (message.error !== undefined) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: message.errorCode });
      span.recordException(message.error as Error);
    }
    span.end();
  }

  const requests = tracingChannel<Span, TokenRequestMessage>(DIAGNOSTICS_CHANNELS.tokenRequest);
  const refreshes = tracingChannel<Span, SessionRefreshMessage>(DIAGNOSTICS_CHANNELS.sessionRefresh);
  const requestSpan = (message: TokenRequestMessage) =>
    startSpan(`hellosign-oauth ${message.operation}`, message, { 'hellosign_oauth.operation': message.operation });
  const refreshSpan = (message: SessionRefreshMessage) =>
    startSpan('hellosign-oauth session refresh', message, { 'hellosign_oauth.grant_key': message.key });
  requests.start.bindStore(current, requestSpan);
  refreshes.start.bindStore(current, refreshSpan);

  const requestEnd = (message: TokenRequestMessage) => {
    const outcome = message.errorCode ?? 'ok';
    durations.record(message.durationMs ?? 0, { operation: message.operation, outcome });
    endSpan(message, {
      'hellosign_oauth.attempts': message.attempts ?? 0,
      'http.response.status_code': message.status ?? 0,
      'hellosign_oauth.outcome': outcome,
    });
  };
  const refreshEnd = (message: SessionRefreshMessage) =>
    endSpan(message, { 'hellosign_oauth.outcome': message.errorCode ?? 'ok' });
  // A span ends when the promise settles: `asyncEnd` on success, `error` on failure.
  const ends: [
    { subscribe(listener: (message: unknown) => void): void; unsubscribe(listener: (message: unknown) => void): void },
    (message: unknown) => void,
  ][] = [
    [requests.asyncEnd, (message) => requestEnd(message as TokenRequestMessage)],
    [requests.error, (message) => requestEnd(message as TokenRequestMessage)],
    [refreshes.asyncEnd, (message) => refreshEnd(message as SessionRefreshMessage)],
    [refreshes.error, (message) => refreshEnd(message as SessionRefreshMessage)],
  ];
  for (const [events, listener] of ends) events.subscribe(listener);

  const onAttempt = (message: unknown) => {
    const attempt = message as AttemptMessage;
    const outcome = attempt.status === undefined ? (attempt.errorCode ?? 'error') : String(attempt.status);
    attempts.add(1, { operation: attempt.operation, outcome, retry: String(attempt.retry) });
    current.getStore()?.addEvent('attempt', {
      'hellosign_oauth.attempt': attempt.attempt,
      'hellosign_oauth.outcome': outcome,
      'hellosign_oauth.retry': attempt.retry,
      'hellosign_oauth.retry_delay_ms': attempt.retryDelayMs ?? 0,
      'hellosign_oauth.duration_ms': attempt.durationMs,
    });
  };
  const onLockWait = (message: unknown) => lockWaits.record((message as LockWaitMessage).waitedMs);
  const onReauthorization = (message: unknown) => {
    const { operation, code } = message as ReauthorizationMessage;
    reauthorizations.add(1, { operation, code });
  };
  const onRateLimit = (message: unknown) => {
    remaining = message as RateLimitMessage;
  };
  const plain: [string, (message: unknown) => void][] = [
    [DIAGNOSTICS_CHANNELS.attempt, onAttempt],
    [DIAGNOSTICS_CHANNELS.lockWait, onLockWait],
    [DIAGNOSTICS_CHANNELS.reauthorizationRequired, onReauthorization],
    [DIAGNOSTICS_CHANNELS.rateLimit, onRateLimit],
  ];
  for (const [name, listener] of plain) channel(name).subscribe(listener);

  return () => {
    requests.start.unbindStore(current);
    refreshes.start.unbindStore(current);
    for (const [events, listener] of ends) events.unsubscribe(listener);
    for (const [name, listener] of plain) channel(name).unsubscribe(listener);
    rateLimitRemaining.removeCallback(observeRateLimit);
  };
}
