import { isIP } from 'node:net';
import { OAuthValidationError } from '../client/errors.js';

/**
 * Checks every option `startMockServer` knows before anything is opened, so a bad one throws an
 * `OAuthValidationError` naming it and leaves no socket, file or timer behind. Unknown keys are
 * left alone: options added later are checked where they are read.
 */
export function validateMockServerOptions(options: unknown): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalid('options must be an object.');
  }
  const given = options as Record<string, unknown>;
  nonEmptyString(given, 'clientId');
  nonEmptyString(given, 'clientSecret');
  nonEmptyString(given, 'appName');
  host(given.host);
  port(given.port);
  positiveNumber(given, 'accessTokenTtlSeconds');
  positiveNumber(given, 'codeTtlSeconds');
  boolean(given, 'rotateRefreshTokens');
  boolean(given, 'refreshRequiresClientCredentials');
  redirectUri(given.redirectUri);
  oneOf(given, 'consent', ['page', 'approve', 'deny']);
  rateLimit(given.rateLimit);
  if (given.now !== undefined && typeof given.now !== 'function') {
    throw invalid('now must be a function returning milliseconds since the epoch.');
  }
}

function invalid(message: string): OAuthValidationError {
  return new OAuthValidationError(`startMockServer: ${message}`);
}

/** A value for a message: short, and never a secret (only type names are shown for strings). */
function describe(value: unknown): string {
  if (typeof value === 'string') return 'a string';
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  return typeof value;
}

function nonEmptyString(given: Record<string, unknown>, name: string): void {
  const value = given[name];
  if (value !== undefined && (typeof value !== 'string' || value === '')) {
    throw invalid(`${name} must be a non-empty string.`);
  }
}

function boolean(given: Record<string, unknown>, name: string): void {
  const value = given[name];
  if (value !== undefined && typeof value !== 'boolean') throw invalid(`${name} must be true or false.`);
}

function positiveNumber(given: Record<string, unknown>, name: string, label = name): void {
  const value = given[name];
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(`${label} must be a positive number, got ${describe(value)}.`);
  }
}

function oneOf(given: Record<string, unknown>, name: string, allowed: readonly string[]): void {
  const value = given[name];
  if (value !== undefined && !allowed.includes(value as string)) {
    throw invalid(`${name} must be one of ${allowed.map((choice) => `'${choice}'`).join(', ')}.`);
  }
}

/** A TCP port: a string or a path here would make Node listen on a Unix socket file instead. */
function port(value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw invalid(`port must be an integer from 0 to 65535 (0: a free port), got ${describe(value)}.`);
  }
}

/** An IP address or `localhost`: a name to resolve would make startup depend on DNS. */
function host(value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || (value !== 'localhost' && isIP(value) === 0)) {
    throw invalid('host must be an IP address (such as 127.0.0.1 or ::1) or localhost.');
  }
}

function redirectUri(value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !URL.canParse(value)) throw invalid('redirectUri must be an absolute URL.');
  const url = new URL(value);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hash !== '') {
    throw invalid('redirectUri must be an http(s) URL without a fragment.');
  }
}

function rateLimit(value: unknown): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('rateLimit must be an object { limit?, windowSeconds? }.');
  }
  const given = value as Record<string, unknown>;
  positiveNumber(given, 'limit', 'rateLimit.limit');
  positiveNumber(given, 'windowSeconds', 'rateLimit.windowSeconds');
}
