import { Readable } from 'node:stream';
import { run } from '../../src/cli/run.js';

export { SECRET } from '../support.js';

export interface Invocation {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  stdin?: string;
  signal?: AbortSignal;
  /** Sees stderr as it is written (for `login`, which prints the URL to visit). */
  onStderr?: (text: string) => void;
  onStdout?: (text: string) => void;
}

/** Runs the CLI in-process with captured streams. */
export async function cli(argv: string[], options: RunOptions = {}): Promise<Invocation> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: {
      write: (text: string) => {
        stdout += text;
        options.onStdout?.(stdout);
      },
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
        options.onStderr?.(stderr);
      },
    },
    stdin: options.stdin === undefined ? undefined : Readable.from([options.stdin]),
    env: options.env ?? {},
    signal: options.signal,
  });
  return { code, stdout, stderr };
}

/** Asserts the failure contract: a non-zero exit, nothing on stdout, one line on stderr without a stack. */
export function expectOneLineFailure(result: Invocation, exitCode: number): string {
  expect(result.code).toBe(exitCode);
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  const line = result.stderr.slice(0, -1);
  expect(line).not.toContain('\n');
  expect(line).not.toMatch(/\bat .+:\d+:\d+/);
  return line;
}
