import type { ParseArgsConfig } from 'node:util';
import type { CliIo } from './io.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | undefined>;

/** What a command shares with the runner while it runs. */
export interface CommandContext {
  /** Every secret the command handled; the runner scrubs them from any failure line. */
  secrets: string[];
}

/** One `hellosign-oauth <name>` command. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The whole `--help` text. */
  help: string;
  options: OptionSpec;
  /** How many words it takes besides its flags (`call GET /account`: 2). Default 0. */
  positionals?: number;
  run(values: OptionValues, io: CliIo, context: CommandContext, positionals: string[]): Promise<number>;
}

/** The value of a string flag, or undefined. */
export function text(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}
