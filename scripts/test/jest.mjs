// Runs the Jest suites in two groups: first those that need only Node, in an environment where each
// tool of scripts/setup/requirements.cjs is a stand-in that fails naming the `@requires` marker to
// add (so a suite that starts a service without saying so fails here, in every run); then, unless
// `--node-only` (test:quick), the suites marked `@requires`. Each group writes its results to
// <--results=DIR, default .tmp>/jest-<group>.json; other arguments go to Jest. Exits non-zero if either failed.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { requirements } = require('../setup/requirements.cjs');
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const jest = require.resolve('jest/bin/jest');

const args = process.argv.slice(2);
const nodeOnly = args.includes('--node-only');
const resultsArg = args.find((arg) => arg.startsWith('--results='));
const resultsDir = resolve(root, resultsArg?.slice('--results='.length) ?? '.tmp');
const jestArgs = args.filter((arg) => arg !== '--node-only' && arg !== resultsArg);

/** An environment in which reaching any required tool fails with the marker to add. */
function fencedEnvironment(dir) {
  const env = { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` };
  for (const requirement of requirements) {
    for (const binary of requirement.binaries) {
      const message = `${binary}: a suite without \`@requires ${requirement.id}\` in its opening docblock ran ${binary}; add the marker (scripts/setup/requirements.cjs)`;
      writeFileSync(join(dir, binary), `#!/bin/sh\necho '${message}' >&2\nexit 127\n`, { mode: 0o755 });
    }
    Object.assign(env, requirement.fence?.(dir));
    for (const name of requirement.serviceUrls ?? []) delete env[name];
  }
  return env;
}

function runGroup(name, description, env) {
  const outputFile = join(resultsDir, `jest-${name}.json`);
  rmSync(outputFile, { force: true });
  console.log(`\n== Jest: ${description}`);
  const filter = join(here, `${name}-suites.cjs`);
  const result = spawnSync(
    process.execPath,
    [jest, `--filter=${filter}`, '--json', `--outputFile=${outputFile}`, ...jestArgs],
    { cwd: root, env, stdio: 'inherit' },
  );
  return result.status === 0;
}

mkdirSync(resultsDir, { recursive: true });
const standIns = mkdtempSync(join(tmpdir(), 'hellosign-oauth-fenced-'));
// As root, PostgreSQL's tools run as the postgres user, which must reach the stand-ins too.
chmodSync(standIns, 0o755);
try {
  const groups = [runGroup('node-only', 'the suites that need only Node (no @requires)', fencedEnvironment(standIns))];
  if (!nodeOnly) groups.push(runGroup('service', 'the suites marked @requires (services, Java)', process.env));
  process.exitCode = groups.every(Boolean) ? 0 : 1;
} finally {
  rmSync(standIns, { recursive: true, force: true });
}
