/**
 * The abort switch of one attempt sent by the default transport (`node:http`, no proxy, no
 * `fetch` option). It does for that attempt what an `AbortController` does for a `fetch`, without
 * building an `AbortSignal`: on Node 20 creating one costs more per refresh than the rest of the
 * package's own code on that path (see docs/benchmarks.md). A `fetch` passed by the user, or the
 * proxy transport, still gets a real `AbortSignal`.
 */
export class AttemptAbort {
  #aborted = false;
  #onAbort: (() => void) | undefined;

  /** True once `abort()` ran. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** Runs `listener` on abort (now, if already aborted). One listener: the attempt's request. */
  onAbort(listener: () => void): void {
    if (this.#aborted) listener();
    else this.#onAbort = listener;
  }

  /** Fires the listener once; later calls do nothing. */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    const listener = this.#onAbort;
    this.#onAbort = undefined;
    listener?.();
  }
}
