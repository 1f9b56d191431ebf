/**
 * `hellosign-oauth/dropbox-sign`: the official `@dropbox/sign` SDK with managed tokens. Its
 * `accessToken` takes only a string or a synchronous function; an interceptor may be async, so
 * the token is fetched (and refreshed when due) on every call. Nothing here imports the SDK: the
 * types below are the parts of its interceptor contract this module relies on.
 */
// Build layout, not an API dependency: every entry point imports the main one, so the bundler
// emits the core as one shared chunk and `require('hellosign-oauth')` reads two files (tsup.config.ts).
import '../index.js';
import type { AccessTokenSource } from '../api/fetch.js';
import { withAccessTokenFrom } from '../api/with-access-token.js';
import { OAuthValidationError } from '../client/errors.js';
import { REDACTED } from '../internal/redact.js';
import { TokenManager } from '../session/manager.js';
import { TokenSession } from '../session/session.js';

/** The request options the SDK hands an interceptor (axios's `AxiosRequestConfig`), as far as this module reads them. */
export interface DropboxSignRequestOptions {
  /** The absolute URL the SDK built from its `basePath`; checked against `apiBaseUrl`'s origin. */
  url?: string;
  /** The request headers; `Authorization` is set here. */
  headers?: unknown;
  /** axios's redirect hook; wrapped so the header never reaches another origin. */
  beforeRedirect?: unknown;
}

/** What `api.addInterceptor(...)` takes: `(requestOptions) => Promise<void> | void`. */
export type DropboxSignInterceptor = (requestOptions: DropboxSignRequestOptions) => Promise<void>;

type RedirectHook = (options: Record<string, unknown>, response: unknown, request?: unknown) => void;

interface Bound {
  source: AccessTokenSource;
  apiBaseUrl: string;
}

function bind(target: TokenSession | TokenManager, key: string | undefined, caller: string): Bound {
  if (target instanceof TokenSession) {
    return {
      source: { getAccessToken: () => target.getAccessToken(), invalidate: (token) => target.invalidate(token) },
      apiBaseUrl: target.apiBaseUrl,
    };
  }
  if (target instanceof TokenManager) {
    if (typeof key !== 'string' || key === '') throw new OAuthValidationError(`${caller}(manager, key) needs a key.`);
    return {
      source: {
        getAccessToken: () => target.getAccessToken(key),
        invalidate: (token) => target.invalidate(key, token),
      },
      apiBaseUrl: target.apiBaseUrl,
    };
  }
  throw new OAuthValidationError(`${caller} needs a TokenSession, or a TokenManager and a key.`);
}

function headerNames(headers: Record<string, unknown>): string[] {
  return Object.keys(headers).filter((name) => name.toLowerCase() === 'authorization');
}

/**
 * An interceptor for any `@dropbox/sign` API class (`api.addInterceptor(...)`): sets
 * `Authorization: Bearer` from the session's token, refreshed first when due. Refuses, before the
 * SDK sends anything, a request whose origin is not the client's `apiBaseUrl` (so set the SDK's
 * `basePath` to the same base), and strips the header from a redirect that leaves that origin.
 * Pair it with `withDropboxSignRetry` for the one retry after a 401.
 */
export function dropboxSignInterceptor(session: TokenSession): DropboxSignInterceptor;
/** The same, for the grant stored under `key` in a `TokenManager`. */
export function dropboxSignInterceptor(manager: TokenManager, key: string): DropboxSignInterceptor;
export function dropboxSignInterceptor(target: TokenSession | TokenManager, key?: string): DropboxSignInterceptor {
  const { source, apiBaseUrl } = bind(target, key, 'dropboxSignInterceptor');
  const origin = new URL(apiBaseUrl).origin;
  return async (options) => {
    let url: URL;
    try {
      url = new URL(String(options.url));
    } catch {
      throw new OAuthValidationError('The SDK request has no absolute URL; set the API class’s basePath.');
    }
    if (url.origin !== origin) {
      throw new OAuthValidationError(
        `Refusing to send the access token to ${url.origin}: API calls go to ${origin} only (apiBaseUrl). Set the SDK's basePath to ${apiBaseUrl}.`,
        'OAUTH_FOREIGN_ORIGIN',
      );
    }
    const token = await source.getAccessToken();
    const headers = (options.headers ?? {}) as Record<string, unknown>;
    options.headers = headers;
    for (const name of headerNames(headers)) delete headers[name];
    headers.Authorization = `Bearer ${token}`;
    // follow-redirects already drops the header for another host, but keeps it for a subdomain.
    const previous = options.beforeRedirect as RedirectHook | undefined;
    const hook: RedirectHook = (redirect, response, request) => {
      const next = typeof redirect.href === 'string' ? new URL(redirect.href).origin : undefined;
      const redirectHeaders = redirect.headers as Record<string, unknown> | undefined;
      if (next !== origin && redirectHeaders) {
        for (const name of headerNames(redirectHeaders)) delete redirectHeaders[name];
      }
      previous?.(redirect, response, request);
    };
    options.beforeRedirect = hook;
  };
}

/** The `Authorization` value of an SDK error's or response's request config, and where it sits. */
function configsOf(value: unknown): Record<string, unknown>[] {
  const holder = value as { config?: unknown; response?: { config?: unknown } } | null;
  if (holder === null || typeof holder !== 'object') return [];
  return [holder.config, holder.response?.config].filter(
    (config): config is Record<string, unknown> => config !== null && typeof config === 'object',
  );
}

function tokenSentWith(error: unknown): string | undefined {
  for (const config of configsOf(error)) {
    const headers = config.headers as Record<string, unknown> | undefined;
    for (const name of headers ? headerNames(headers) : []) {
      const value = headers?.[name];
      if (typeof value === 'string' && value.startsWith('Bearer ')) return value.slice(7);
    }
  }
  return undefined;
}

/**
 * Takes the bearer token out of what the SDK hands back: axios keeps the request config (with
 * its `Authorization` header) and the raw `ClientRequest` on every response and error.
 */
function redact<T>(value: T): T {
  const holders = [value, (value as { response?: unknown } | null)?.response];
  for (const config of configsOf(value)) {
    const headers = config.headers as Record<string, unknown> | undefined;
    for (const name of headers ? headerNames(headers) : []) {
      if (headers) headers[name] = `Bearer ${REDACTED}`;
    }
  }
  for (const holder of holders) {
    if (holder !== null && typeof holder === 'object' && 'request' in holder) {
      Object.defineProperty(holder, 'request', { value: REDACTED, enumerable: false, configurable: true });
    }
  }
  return value;
}

/**
 * Runs one SDK call made through an API class with `dropboxSignInterceptor`; when the API answers
 * 401, invalidates the token that call sent and runs it once more (the interceptor then attaches
 * a fresh token). The result's and any error's request config carry `Bearer [redacted]`.
 * `await withDropboxSignRetry(session, () => accountApi.accountGet())`.
 */
export function withDropboxSignRetry<T>(session: TokenSession, call: () => Promise<T>): Promise<T>;
/** The same, for the grant stored under `key` in a `TokenManager`. */
export function withDropboxSignRetry<T>(manager: TokenManager, key: string, call: () => Promise<T>): Promise<T>;
export async function withDropboxSignRetry<T>(
  target: TokenSession | TokenManager,
  keyOrCall: string | (() => Promise<T>),
  maybeCall?: () => Promise<T>,
): Promise<T> {
  const key = typeof keyOrCall === 'string' ? keyOrCall : undefined;
  const call = typeof keyOrCall === 'function' ? keyOrCall : maybeCall;
  const { source } = bind(target, key, 'withDropboxSignRetry');
  if (typeof call !== 'function')
    throw new OAuthValidationError('withDropboxSignRetry needs the SDK call as a function.');
  try {
    return redact(await withAccessTokenFrom(source, () => call(), tokenSentWith));
  } catch (error) {
    throw redact(error);
  }
}
