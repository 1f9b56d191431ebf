/**
 * src/diagnostics/channels.ts with every hook a no-op: the build bench/diagnostics.mjs compares against,
 * i.e. the package as if it had no diagnostics at all. Same exports, same signatures.
 */
export const DIAGNOSTICS_CHANNELS = {};

export async function traceTokenRequest<T>(_operation: string, run: () => Promise<{ value: T }>): Promise<T> {
  return (await run()).value;
}

export function traceSessionRefresh<T>(_key: string, run: () => Promise<T>): Promise<T> {
  return run();
}

export function attemptClock(): number {
  return 0;
}

export function publishAttempt(): void {}

export function tokenRequestsTraced(): boolean {
  return false;
}

export function reportReauthorization<E>(_operation: string, error: E): E {
  return error;
}

export function timeLockWait<T>(_key: string, task: () => Promise<T>): () => Promise<T> {
  return task;
}
