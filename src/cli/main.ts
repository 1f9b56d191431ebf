#!/usr/bin/env node
import { run } from './run.js';

const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    // Long-running commands (mock-server, login) stop on the abort; anything else is cut short.
    controller.abort();
    setTimeout(() => process.exit(130), 2000).unref();
  });
}

run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  // A getter: touching process.stdin opens it, which only `refresh` needs.
  get stdin() {
    return process.stdin;
  },
  env: process.env,
  signal: controller.signal,
}).then((code) => {
  process.exitCode = code;
});
