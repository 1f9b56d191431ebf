import { BASE_PATH } from '../../generated/runtime.js';
import { resolveProxy } from '../internal/proxy-env.js';
import { MAX_TIMER_MS, requireText } from '../internal/validation.js';
import { OAuthValidationError } from './errors.js';
import type { Logger } from './logger.js';
import type { FetchLike, TransportOptions } from './transport.js';

/** Options of `new OAuthClient(options)`; only `clientId` and `clientSecret` are required. */
export interface OAuthClientOptions {
  /** The API app's client id. Required. */
  clientId: string;
  /** The API app's secret. Required; never printed, logged or put in an error. */
  clientSecret: string;
  /** The OAuth host. Default `https://app.hellosign.com`. */
  baseUrl?: string;
  /**
   * The REST API base that `session.fetch` resolves relative paths against and the only origin it
   * sends the access token to. Default `https://api.hellosign.com/v3`; the same `https:` rule as `baseUrl`.
   */
  apiBaseUrl?: string;
  /** A Fetch API implementation (global `fetch`, node-fetch, …). Default: `node:http`/`node:https` with keep-alive. */
  fetch?: FetchLike | typeof fetch;
  /**
   * The HTTP proxy for the default transport, as `http://[user:password@]host:port`; it overrides
   * `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`. `false` ignores them and always connects direct.
   * Default: those variables (see docs/proxies.md). Not allowed with `fetch`: configure yours.
   */
  proxy?: string | false;
  /** Per attempt, covering headers and body and, through a proxy, the tunnel set-up. Default 30 000. */
  timeoutMs?: number;
  /** Retries where the server certainly did not act (see README, Retries). Default 2. */
  maxRetries?: number;
  /** First backoff step for retries without `Retry-After`; doubles each time, with full jitter. Default 500. */
  retryBaseDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for: the error is returned instead. Default 60 000. */
  maxRetryAfterMs?: number;
  /** Responses larger than this fail with `InvalidResponseError` unread. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Appended to `hellosign-oauth/<version> node/<version>` in the User-Agent header. */
  userAgent?: string;
  /** Allows an `http:` base URL, for loopback hosts (127.0.0.1, localhost, [::1]) only. */
  allowInsecureHttp?: boolean;
  /** Receives redacted events. */
  logger?: Logger;
  /** The clock, in ms since the epoch. Default `Date.now`; inject one in tests. */
  now?: () => number;
}

/** The options after validation and defaults: what the transport needs, plus the client's own. */
export interface ResolvedOptions extends Omit<TransportOptions, 'fetch'> {
  clientId: string;
  clientSecret: string;
  baseUrl: string;
  apiBaseUrl: string;
  fetch?: FetchLike | typeof fetch;
}

const KNOWN = new Set([
  'clientId',
  'clientSecret',
  'baseUrl',
  'apiBaseUrl',
  'fetch',
  'proxy',
  'timeoutMs',
  'maxRetries',
  'retryBaseDelayMs',
  'maxRetryAfterMs',
  'maxResponseBytes',
  'userAgent',
  'allowInsecureHttp',
  'logger',
  'now',
]);

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * The caller's logger, unable to throw into a request: a failing log line must not turn tokens
 * that were already issued (for a code that is now spent) into an error.
 */
function quietLogger(logger: Logger): Logger {
  const quiet: Logger = {};
  for (const level of LOG_LEVELS) {
    const write = logger[level];
    if (write) {
      quiet[level] = (message, data) => {
        try {
          write.call(logger, message, data);
        } catch {
          // Logging is best effort by design (see above).
        }
      };
    }
  }
  return quiet;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
function number(value: unknown, name: string, fallback: number, min: number, max: number, integer = false): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new OAuthValidationError(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}.`);
  }
  return value;
}

/** The REST API's base, where access tokens are sent (`Authorization: Bearer`). */
export const DEFAULT_API_BASE_URL = 'https://api.hellosign.com/v3';

function baseUrl(value: unknown, allowInsecureHttp: boolean, name = 'baseUrl', fallback = BASE_PATH): string {
  if (value === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(requireText(value, name));
  } catch (error) {
    if (error instanceof OAuthValidationError) throw error;
    throw new OAuthValidationError(`${name} must be an absolute URL.`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new OAuthValidationError(`${name} must not carry a query, a fragment or credentials.`);
  }
  if (url.protocol === 'http:') {
    if (!allowInsecureHttp || !LOOPBACK.has(url.hostname)) {
      throw new OAuthValidationError(
        `${name} must use https:. http: is allowed only for loopback hosts (127.0.0.1, localhost, [::1]) with allowInsecureHttp: true.`,
      );
    }
  } else if (url.protocol !== 'https:') {
    throw new OAuthValidationError(`${name} must use https:.`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** Validates every option once, up front, so a misconfiguration fails at construction. */
export function resolveOptions(options: OAuthClientOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new OAuthValidationError('OAuthClient needs an options object with clientId and clientSecret.');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new OAuthValidationError(`Unknown option "${key}".`);
  }
  if (options.allowInsecureHttp !== undefined && typeof options.allowInsecureHttp !== 'boolean') {
    throw new OAuthValidationError('allowInsecureHttp must be a boolean.');
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new OAuthValidationError('fetch must be a function.');
  }
  if (options.proxy !== undefined && typeof options.proxy !== 'string' && options.proxy !== false) {
    throw new OAuthValidationError('proxy must be a proxy URL string or false.');
  }
  if (options.proxy !== undefined && options.fetch !== undefined) {
    throw new OAuthValidationError(
      'proxy applies to the default transport only; configure the proxy of your own fetch.',
    );
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new OAuthValidationError('now must be a function.');
  }
  if (
    options.logger !== undefined &&
    (options.logger === null ||
      typeof options.logger !== 'object' ||
      LOG_LEVELS.some((level) => !['undefined', 'function'].includes(typeof options.logger?.[level])))
  ) {
    throw new OAuthValidationError(
      'logger must be an object whose debug/info/warn/error, when present, are functions.',
    );
  }
  // What both undici and node-fetch accept in a header value; anything else would fail at send time.
  if (
    options.userAgent !== undefined &&
    (typeof options.userAgent !== 'string' || /[^\t\x20-\x7e]/.test(options.userAgent))
  ) {
    throw new OAuthValidationError('userAgent must be a single line of printable ASCII.');
  }
  return {
    clientId: requireText(options.clientId, 'clientId'),
    clientSecret: requireText(options.clientSecret, 'clientSecret'),
    baseUrl: baseUrl(options.baseUrl, options.allowInsecureHttp === true),
    apiBaseUrl: baseUrl(options.apiBaseUrl, options.allowInsecureHttp === true, 'apiBaseUrl', DEFAULT_API_BASE_URL),
    fetch: options.fetch,
    // Read once, here: a misspelt proxy URL fails at construction, not on the first refresh.
    proxy: options.fetch ? undefined : resolveProxy(options.proxy, globalThis.process?.env),
    timeoutMs: number(options.timeoutMs, 'timeoutMs', 30_000, 1, MAX_TIMER_MS),
    maxRetries: number(options.maxRetries, 'maxRetries', 2, 0, 10, true),
    retryBaseDelayMs: number(options.retryBaseDelayMs, 'retryBaseDelayMs', 500, 0, MAX_TIMER_MS),
    maxRetryAfterMs: number(options.maxRetryAfterMs, 'maxRetryAfterMs', 60_000, 0, MAX_TIMER_MS),
    maxResponseBytes: number(options.maxResponseBytes, 'maxResponseBytes', 1024 * 1024, 1, 2 ** 30, true),
    userAgent: options.userAgent,
    logger: options.logger && quietLogger(options.logger),
    now: options.now ?? Date.now,
  };
}
