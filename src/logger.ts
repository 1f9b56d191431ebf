/**
 * Where the client reports what it does. Every event is a fixed message plus plain data
 * (operation, attempt, status, delay): never a secret, a code, a token or a body.
 * `console` fits.
 */
export interface Logger {
  debug?(message: string, data?: Record<string, unknown>): void;
  info?(message: string, data?: Record<string, unknown>): void;
  warn?(message: string, data?: Record<string, unknown>): void;
  error?(message: string, data?: Record<string, unknown>): void;
}
