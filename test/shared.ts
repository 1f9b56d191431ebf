import { inspect } from 'node:util';

/** Every way a value can reach a person: inspect (plain and hidden), JSON, and per error in the cause chain its message, stack and String(). */
export function renderings(value: unknown): string[] {
  const out = [inspect(value, { depth: 10 }), inspect(value, { depth: 10, showHidden: true }), JSON.stringify(value)];
  for (let current = value, depth = 0; current instanceof Error && depth < 6; current = current.cause, depth++) {
    out.push(current.message, String(current.stack), String(current), inspect(current, { depth: 10 }));
  }
  return out;
}

/** Awaits a promise that must reject and returns the rejection. */
export async function rejectionOf<T = Error>(promise: Promise<unknown>): Promise<T> {
  try {
    await promise;
  } catch (error) {
    return error as T;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/**
 * Polls until `condition` holds, failing after `timeoutMs`. Bounded on purpose: an unbounded poll
 * outlives a timed-out test and keeps Jest from exiting, which turns one failure into a hung CI run.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'the condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
