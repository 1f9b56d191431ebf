import type { CommandContext, OptionSpec, OptionValues } from './command.js';
import { type CliIo, UsageError } from './io.js';

/** The environment variables the CLI reads secrets from, besides $HELLOSIGN_CLIENT_SECRET. */
export const SECRET_ENV = { code: 'HELLOSIGN_OAUTH_CODE', refreshToken: 'HELLOSIGN_OAUTH_REFRESH_TOKEN' } as const;

/** The value that means "read it from standard input", as in `--code -`. */
export const FROM_STDIN = '-';

/** A secret flag and the `--<name>-stdin` switch beside it. */
export function secretOptions(name: string): OptionSpec {
  return { [name]: { type: 'string' }, [`${name}-stdin`]: { type: 'boolean' } };
}

/** Where a secret may come from besides its flag, and how stdin is read. */
export interface SecretSource {
  /** The environment variable read when neither the flag nor stdin gives it. */
  env?: string;
  /** Turns all of stdin into the value; default: trimmed, and refused when empty. */
  parse?: (input: string) => string;
  /** Shown when stdin is a terminal or missing. */
  hint?: string;
}

/** More than any secret is long: stdin past this is refused rather than held in memory. */
const MAX_STDIN_BYTES = 1024 * 1024;

/**
 * Reads secrets from where other users cannot see them. A flag's value is visible to everyone
 * on the machine (`ps`), so each secret can also come from stdin (`--<name>-stdin` or
 * `--<name> -`) or from its environment variable. Stdin holds one value, so only one secret may
 * claim it. Every value read is registered for scrubbing at once.
 */
export class SecretInput {
  readonly #values: OptionValues;
  readonly #io: CliIo;
  readonly #context: CommandContext;
  #stdinTakenBy: string | undefined;

  constructor(values: OptionValues, io: CliIo, context: CommandContext) {
    this.#values = values;
    this.#io = io;
    this.#context = context;
  }

  /** The secret from its flag, stdin or environment variable, or undefined when none gives it. */
  async read(name: string, source: SecretSource = {}): Promise<string | undefined> {
    const flag = this.#values[name];
    const fromStdin = this.#values[`${name}-stdin`] === true;
    if (fromStdin && typeof flag === 'string' && flag !== FROM_STDIN) {
      throw new UsageError(`Give --${name} or --${name}-stdin, not both.`);
    }
    let value: string | undefined;
    if (fromStdin || flag === FROM_STDIN) value = await this.readStdin(name, source);
    else if (typeof flag === 'string') value = flag;
    else if (source.env) value = this.#io.env[source.env] || undefined;
    if (value) this.#context.secrets.push(value);
    return value;
  }

  /** All of stdin for one named value; a second value asking for it is a usage error. */
  async readStdin(name: string, { parse = trimmed(name), hint }: SecretSource = {}): Promise<string> {
    if (this.#stdinTakenBy !== undefined) {
      throw new UsageError(
        `Only one value can come from stdin, and --${this.#stdinTakenBy} already does; pass --${name} another way (its environment variable).`,
      );
    }
    this.#stdinTakenBy = name;
    const input = await readStdin(this.#io, hint ?? `--${name}-stdin needs the value piped on stdin, not a terminal.`);
    const value = parse(input);
    this.#context.secrets.push(value);
    return value;
  }
}

/** The whole input without surrounding whitespace (`echo` adds a newline); empty is an error. */
function trimmed(name: string): (input: string) => string {
  return (input) => {
    const value = input.trim();
    if (value === '') throw new UsageError(`--${name}: stdin was empty.`);
    return value;
  };
}

/** Reads all of stdin as text; a terminal is not waited on. */
export async function readStdin(io: CliIo, hint: string): Promise<string> {
  const stdin = io.stdin;
  if (!stdin || stdin.isTTY) throw new UsageError(hint);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.length;
    if (size > MAX_STDIN_BYTES) throw new UsageError(`stdin is larger than ${MAX_STDIN_BYTES} bytes.`);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}
