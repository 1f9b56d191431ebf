import { parseArgs } from 'node:util';
import { VERSION } from '../version.js';
import { callCommand } from './call.js';
import type { Command, CommandContext, OptionSpec } from './command.js';
import { demoCommand } from './demo.js';
import { type CliIo, describeFailure, EXIT, UsageError } from './io.js';
import { loginCommand } from './login.js';
import { mockServerCommand } from './mock-server-command.js';
import { authorizeUrlCommand, exchangeCommand, refreshCommand } from './token-commands.js';

export type { CliIo } from './io.js';

const COMMANDS: readonly Command[] = [
  authorizeUrlCommand,
  exchangeCommand,
  refreshCommand,
  loginCommand,
  callCommand,
  mockServerCommand,
  demoCommand,
];

const HELP = `Usage: hellosign-oauth <command> [options]

Dropbox Sign (HelloSign) OAuth from the command line. Tokens are printed as JSON on stdout;
a failure prints one line on stderr and exits non-zero (1: the operation failed, 2: bad usage).

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(15)}${command.summary}`).join('\n')}

Run hellosign-oauth <command> --help for its options. Credentials come from
HELLOSIGN_CLIENT_ID and HELLOSIGN_CLIENT_SECRET, or from flags.
  --version   print the version`;

/** Every value on the command line: one may be a secret the command never got to register. */
function flagValues(args: readonly string[]): string[] {
  return args.flatMap((arg) => {
    if (!arg.startsWith('-')) return [arg];
    const equals = arg.indexOf('=');
    return equals === -1 ? [] : [arg.slice(equals + 1)];
  });
}

/**
 * Joins every string option to the word after it (`--state -Xb9…` → `--state=-Xb9…`). parseArgs
 * refuses a value that starts with a dash as ambiguous, yet states, codes and tokens are random
 * base64url and one in 64 starts with `-`: a value the user pasted must never read as a flag.
 */
function attachStringValues(args: readonly string[], options: OptionSpec): string[] {
  const stringFlags = new Set(
    Object.entries(options)
      .filter(([, spec]) => spec.type === 'string')
      .flatMap(([name, spec]) => [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])]),
  );
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (stringFlags.has(arg) && next !== undefined) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * Runs one CLI invocation (`argv` without `node` and the script) and resolves to its exit code.
 * Everything it reads and writes goes through `io`, so tests run it in-process.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${HELP}\n`);
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    const problem = name === undefined ? 'no command given' : `unknown command ${JSON.stringify(name)}`;
    io.stderr.write(`hellosign-oauth: ${problem} (see hellosign-oauth --help)\n`);
    return EXIT.usage;
  }
  const context: CommandContext = { secrets: [] };
  const args = attachStringValues(rest, command.options);
  // A command's own words (`call GET /account`) are not secrets: scrubbing them would garble its errors.
  let words: string[] = [];
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: (command.positionals ?? 0) > 0,
    });
    if (values.help) {
      io.stdout.write(`${command.help}\n`);
      return EXIT.ok;
    }
    words = positionals;
    if (positionals.length !== (command.positionals ?? 0)) {
      throw new UsageError(`${command.name} takes ${command.positionals} arguments, got ${positionals.length}.`);
    }
    return await command.run(values, io, context, positionals);
  } catch (error) {
    const secrets = [...context.secrets, ...flagValues(args).filter((value) => !words.includes(value))];
    const { line, exitCode } = describeFailure(error, command.name, secrets);
    io.stderr.write(`${line}\n`);
    return exitCode;
  }
}
