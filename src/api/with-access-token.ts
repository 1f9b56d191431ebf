import { OAuthValidationError } from '../client/errors.js';
import type { AccessTokenSource } from './fetch.js';

/**
 * True for an error that says the API answered 401: `status`, `statusCode` or `response.status`
 * equal to 401 (this package's `OAuthApiError`, the `@dropbox/sign` SDK's `HttpError`, axios,
 * got, ky, and most other HTTP clients).
 */
export function isUnauthorizedError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { status, statusCode, response } = error as { status?: unknown; statusCode?: unknown; response?: unknown };
  if (status === 401 || statusCode === 401) return true;
  return response !== null && typeof response === 'object' && (response as { status?: unknown }).status === 401;
}

/**
 * Runs `fn(accessToken)`; if it fails with a 401 (see `isUnauthorizedError`), invalidates that
 * token and runs `fn` once more with a fresh one. `rejectedToken` reads the token the failed call
 * really sent from its error, when the caller's library may have attached another one.
 */
export async function withAccessTokenFrom<T>(
  source: AccessTokenSource,
  fn: (accessToken: string) => Promise<T> | T,
  rejectedToken?: (error: unknown) => string | undefined,
): Promise<T> {
  if (typeof fn !== 'function') throw new OAuthValidationError('withAccessToken needs a function.');
  const token = await source.getAccessToken();
  try {
    return await fn(token);
  } catch (error) {
    if (!isUnauthorizedError(error)) throw error;
    source.invalidate(rejectedToken?.(error) ?? token);
  }
  return fn(await source.getAccessToken());
}
