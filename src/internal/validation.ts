import { OAuthValidationError } from '../client/oauth-error.js';

// The argument checks shared by the client, the session layer, the stores and the mock server, so
// one input gets one rule and one message wherever it is passed. Each throws OAuthValidationError.

/** The longest delay a Node timer keeps (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `value`, if it is a string with something besides whitespace. */
export function requireText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new OAuthValidationError(`${name} is required and must be a non-empty string.`);
  }
  return value;
}

/** A grant's key in a `TokenManager` or a store: any non-empty string. */
export function validateKey(key: unknown): string {
  if (typeof key !== 'string' || key === '') throw new OAuthValidationError('key must be a non-empty string.');
  return key;
}

/** An integer number of milliseconds from `min` to `MAX_TIMER_MS`; `fallback` when not given. */
export function timerMilliseconds(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_TIMER_MS) {
    throw new OAuthValidationError(`${name} must be an integer from ${min} to ${MAX_TIMER_MS}.`);
  }
  return value;
}

/** A finite number above zero; `fallback` when not given. */
export function positiveNumber(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new OAuthValidationError(`${name} must be a positive number.`);
  }
  return value;
}
