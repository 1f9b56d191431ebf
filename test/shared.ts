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
