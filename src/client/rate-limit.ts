import type { ResponseHeaders } from '../internal/headers.js';
import { OAuthValidationError } from './oauth-error.js';

/** The rate-limit window a response reported (`X-RateLimit-*` headers). */
export interface RateLimit {
  /** Requests allowed in the window. */
  limit: number;
  /** Requests left in the window. */
  remaining: number;
  /** When the window resets. */
  resetAt: Date;
}

function nonNegativeInteger(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new OAuthValidationError(`headers["${name}"] must be a string.`);
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
  if (headers === null || typeof headers !== 'object') throw new OAuthValidationError('headers must be an object.');
  const limit = nonNegativeInteger(headers['x-ratelimit-limit'], 'x-ratelimit-limit');
  const remaining = nonNegativeInteger(headers['x-ratelimit-remaining'], 'x-ratelimit-remaining');
  const reset = nonNegativeInteger(headers['x-ratelimit-reset'], 'x-ratelimit-reset');
  if (limit === undefined || remaining === undefined || reset === undefined) return undefined;
  const resetAt = new Date(reset * 1000);
  // Beyond what a Date can hold: as malformed as a non-number.
  if (Number.isNaN(resetAt.getTime())) return undefined;
  return { limit, remaining, resetAt };
}

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
/** The three HTTP-date forms of RFC 9110 §5.6.7. Anything else is not a date, whatever `Date.parse` thinks. */
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`);
const RFC_850 = new RegExp(`^${LONG_DAY}, \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4}$`);

function parseHttpDate(value: string): number {
  if (IMF_FIXDATE.test(value) || RFC_850.test(value)) return Date.parse(value);
  // asctime carries no zone but means GMT; without the suffix it would parse as local time.
  if (ASCTIME.test(value)) return Date.parse(`${value} GMT`);
  return Number.NaN;
}

/**
 * Parses `Retry-After` (delay-seconds or an HTTP-date) into milliseconds from `now`; `undefined`
 * when absent or malformed (a lenient parse would turn "soon" or "-1" into "retry at once").
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  // Not split on commas: an HTTP-date contains one ("Wed, 21 Oct 2015 07:28:00 GMT").
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = parseHttpDate(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
