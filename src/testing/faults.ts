import { OAuthValidationError } from '../client/errors.js';
import { MAX_TIMER_MS } from '../internal/validation.js';

/** The operations the mock server tells apart; faults and counters are keyed by them. */
export type MockOperation = 'authorize' | 'oauthTokenGenerate' | 'oauthTokenRefresh' | 'other';

/** The token operations: where a fault applies when it names no `operation`. */
export const TOKEN_OPERATIONS: readonly MockOperation[] = ['oauthTokenGenerate', 'oauthTokenRefresh'];

/** What every injected fault has: how often and where it applies. */
export interface FaultBase {
  /** How many matching requests it hits. Default 1; `Infinity` keeps it until `clearFaults()`. */
  times?: number;
  /** Which operation(s) it hits. Default: both token operations. */
  operation?: MockOperation | readonly MockOperation[];
}

/**
 * A failure to stage for the next matching request(s):
 * - `latency`: waits `ms`, then answers normally.
 * - `429`: `exceeded_rate` in the Dropbox Sign shape, with `Retry-After` (seconds, default 1, or an HTTP-date).
 * - `5xx`: `internal_server_error` in the Dropbox Sign shape; `status` 500–599 (default 500).
 * - `html-502`: a proxy's HTML error page, not JSON.
 * - `reset`: reads the request, then resets the connection (the server may have acted).
 * - `silence`: reads the request and never answers.
 * - `respond`: any status, headers and raw body, for shapes the others do not cover.
 */
export type Fault = FaultBase &
  (
    | { type: 'latency'; ms: number }
    | { type: '429'; retryAfter?: number | string }
    | { type: '5xx'; status?: number; retryAfter?: number | string }
    | { type: 'html-502' }
    | { type: 'reset' }
    | { type: 'silence' }
    | { type: 'respond'; status: number; body: string; headers?: Record<string, string> }
  );

interface Staged {
  fault: Fault;
  remaining: number;
  operations: readonly MockOperation[];
}

/** A bad fault is bad input to a public method: the package's own validation error, like every other. */
function invalid(message: string): OAuthValidationError {
  return new OAuthValidationError(message);
}

function validateFault(fault: Fault): void {
  if (fault === null || typeof fault !== 'object') throw invalid('inject() needs a fault object.');
  const times = fault.times ?? 1;
  if (!(times === Number.POSITIVE_INFINITY || (Number.isInteger(times) && times > 0))) {
    throw invalid('fault.times must be a positive integer or Infinity.');
  }
  const operation = fault.operation as unknown;
  if (
    operation !== undefined &&
    typeof operation !== 'string' &&
    !(Array.isArray(operation) && operation.every((name) => typeof name === 'string'))
  ) {
    throw invalid('fault.operation must be an operation name or an array of them.');
  }
  switch (fault.type) {
    case 'latency':
      // Past the largest timer setTimeout fires at once: the fault would add no latency at all.
      if (!Number.isFinite(fault.ms) || fault.ms < 0 || fault.ms > MAX_TIMER_MS) {
        throw invalid(`latency fault needs ms from 0 to ${MAX_TIMER_MS}.`);
      }
      return;
    case '5xx':
      if (
        fault.status !== undefined &&
        !(Number.isInteger(fault.status) && fault.status >= 500 && fault.status < 600)
      ) {
        throw invalid('5xx fault status must be an integer from 500 to 599.');
      }
      return;
    case 'respond':
      if (!Number.isInteger(fault.status) || fault.status < 100 || fault.status > 599) {
        throw invalid('respond fault needs an HTTP status.');
      }
      if (typeof fault.body !== 'string') throw invalid('respond fault needs a string body.');
      return;
    case '429':
    case 'html-502':
    case 'reset':
    case 'silence':
      return;
    default:
      throw invalid(`Unknown fault type ${JSON.stringify((fault as { type?: unknown }).type)}.`);
  }
}

/** Faults waiting for requests, taken first in, first out among those matching the operation. */
export class FaultQueue {
  #staged: Staged[] = [];

  add(fault: Fault): void {
    validateFault(fault);
    const operations =
      fault.operation === undefined
        ? TOKEN_OPERATIONS
        : typeof fault.operation === 'string'
          ? [fault.operation]
          : [...fault.operation];
    this.#staged.push({ fault: { ...fault }, remaining: fault.times ?? 1, operations });
  }

  /** The fault for this request, if one is staged for its operation; uses up one of its `times`. */
  take(operation: MockOperation): Fault | undefined {
    const index = this.#staged.findIndex((staged) => staged.operations.includes(operation));
    if (index === -1) return undefined;
    const staged = this.#staged[index];
    staged.remaining -= 1;
    if (staged.remaining <= 0) this.#staged.splice(index, 1);
    return staged.fault;
  }

  clear(): void {
    this.#staged = [];
  }

  get size(): number {
    return this.#staged.length;
  }
}
