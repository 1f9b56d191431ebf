import { OAuthApiError, OAuthError } from '../client/errors.js';
import { boundedServerText, MAX_MESSAGE_LENGTH, oneLine } from '../internal/text.js';

/** Where a command writes and what it reads: the process's streams, or test doubles. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Read only by commands that take input on stdin (`refresh`). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Ends long-running commands (`mock-server`, `login`); the bin wires it to SIGINT and SIGTERM. */
  signal?: AbortSignal;
}

/** Exit codes: 0 success, 1 the operation failed, 2 the command line could not be used. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The command line is wrong: answered with exit code 2 and a pointer to `--help`. */
export class UsageError extends Error {}

/** The operation failed for a reason the message fully explains; no error code to add. */
export class CliFailure extends Error {}

function isParseArgsError(error: unknown): error is Error {
  // Duck-typed: node:util's errors may come from another realm (a test VM), failing `instanceof Error`.
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS') && typeof message === 'string';
}

/**
 * Turns any failure into one line for stderr, scrubbed of every secret the command handled,
 * and the exit code. Never a stack trace.
 */
export function describeFailure(
  error: unknown,
  command: string,
  secrets: readonly string[],
): { line: string; exitCode: number } {
  let message: string;
  let exitCode: number = EXIT.failed;
  if (error instanceof UsageError || isParseArgsError(error)) {
    message = `${error.message} (see hellosign-oauth ${command} --help)`;
    exitCode = EXIT.usage;
  } else if (error instanceof OAuthApiError || error instanceof CliFailure) {
    // OAuthApiError's message already reads "… failed with <status> <code>: <server's description>".
    message = error.message;
  } else if (error instanceof OAuthError) {
    message = `${error.message} [${error.code}]`;
  } else if (error instanceof Error) {
    message = `unexpected ${String(error.name)}: ${String(error.message)}`;
  } else {
    message = `unexpected failure: ${String(error)}`;
  }
  const prefix = command ? `hellosign-oauth ${command}` : 'hellosign-oauth';
  // Cut (and scrub) first, then fold onto one line: a server's text may be a megabyte of spaces.
  // Folding also turns control characters into spaces, so no escape sequence reaches the terminal.
  return { line: oneLine(`${prefix}: ${boundedServerText(message, secrets, MAX_MESSAGE_LENGTH)}`), exitCode };
}
