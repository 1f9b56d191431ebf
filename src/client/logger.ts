/**
 * Where the client reports what it does. Every event is a fixed message plus plain data
 * (operation, attempt, status, delay): never a secret, a code, a token or a body.
 * `console` fits.
 */
export interface Logger {
  /** Detail of each attempt: `request`, `response`. */
  debug?(message: string, data?: Record<string, unknown>): void;
  /** Milestones: tokens received. */
  info?(message: string, data?: Record<string, unknown>): void;
  /** A retry is coming, and why. */
  warn?(message: string, data?: Record<string, unknown>): void;
  /** A call failed; `data.error` is the error's class name. */
  error?(message: string, data?: Record<string, unknown>): void;
}
