/** One request counted against the window, and the headers the spec documents for it. */
export interface RateHit {
  exceeded: boolean;
  /** `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-Ratelimit-Reset` (epoch seconds). */
  headers: Record<string, string>;
  /** Seconds until the window resets, for `Retry-After` when exceeded. */
  retryAfterSeconds: number;
}

/** A fixed-window request counter, as the service's `X-RateLimit-*` headers describe. */
export class RateWindow {
  #start = Number.NEGATIVE_INFINITY;
  #count = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  hit(): RateHit {
    const now = this.now();
    if (now - this.#start >= this.windowMs) {
      this.#start = now;
      this.#count = 0;
    }
    this.#count += 1;
    const resetAt = this.#start + this.windowMs;
    return {
      exceeded: this.#count > this.limit,
      headers: this.headers(Math.max(0, this.limit - this.#count)),
      retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
    };
  }

  /** The headers for an answer that did not count a request (a staged 429, say). */
  headers(remaining = Math.max(0, this.limit - this.#count)): Record<string, string> {
    const start = Number.isFinite(this.#start) ? this.#start : this.now();
    return {
      'x-ratelimit-limit': String(this.limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(Math.ceil((start + this.windowMs) / 1000)),
    };
  }
}
