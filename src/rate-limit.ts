import type { ResponseHeaders } from './internal/headers.js';

/** The rate-limit window a response reported (`X-RateLimit-*` headers). */
export interface RateLimit {
  /** Requests allowed in the window. */
  limit: number;
  /** Requests left in the window. */
  remaining: number;
  /** When the window resets. */
  resetAt: Date;
}

function nonNegativeInteger(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  // Repeated headers arrive comma-joined; the first value is the one the server meant.
  const first = value.split(',')[0].trim();
  if (!/^\d+$/.test(first)) return undefined;
  const parsed = Number(first);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

/**
 * Parses `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-Ratelimit-Reset` (epoch seconds).
 * Returns `undefined` unless all three are present and well formed: a half-read window would
 * mislead a caller that paces itself on it.
 */
export function parseRateLimit(headers: ResponseHeaders): RateLimit | undefined {
  const limit = nonNegativeInteger(headers['x-ratelimit-limit']);
  const remaining = nonNegativeInteger(headers['x-ratelimit-remaining']);
  const reset = nonNegativeInteger(headers['x-ratelimit-reset']);
  if (limit === undefined || remaining === undefined || reset === undefined) return undefined;
  return { limit, remaining, resetAt: new Date(reset * 1000) };
}

/** Parses `Retry-After` (delay-seconds or an HTTP-date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  // Not split on commas: an HTTP-date contains one ("Wed, 21 Oct 2015 07:28:00 GMT").
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
