// `npm test` starts here: every tool in scripts/setup/requirements.cjs must be present before the
// first suite. On Debian or Ubuntu, as root or with passwordless sudo, whatever is missing is
// installed in one apt-get run that says what and why; anywhere else this stops with one line per
// missing tool and the command that installs it. `--check` only reports, never installs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const { requirements } = createRequire(import.meta.url)('./requirements.cjs');
const { values: flags } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
const isRoot = process.getuid?.() === 0;

function succeeds(command, args) {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

function isDebianLike() {
  if (!existsSync('/etc/os-release') || !succeeds('apt-get', ['--version'])) return false;
  return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(readFileSync('/etc/os-release', 'utf8'));
}
const hasApt = isDebianLike();

/** Why packages cannot be installed here, or undefined when they can. */
function cannotInstall() {
  if (!hasApt) return 'this is not Debian or Ubuntu (no apt-get)';
  if (flags.check) return 'of --check';
  if (!isRoot && !succeeds('sudo', ['-n', 'true']))
    return 'this is not root, and sudo is not available without a password';
  return undefined;
}

/** apt-get as root: directly, or through sudo (`env` carries DEBIAN_FRONTEND past sudo's reset). */
function aptGet(args, stdout) {
  const [command, ...rest] = isRoot
    ? ['apt-get', ...args]
    : ['sudo', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  return spawnSync(command, rest, { stdio: ['ignore', stdout, 'inherit'], env }).status === 0;
}

/** `a|b` in a requirement means the first of these packages the distribution has. */
function resolvePackage(spec) {
  const names = spec.split('|');
  const available = names.find((name) => {
    const policy = spawnSync('apt-cache', ['policy', name], { encoding: 'utf8' }).stdout ?? '';
    return /Candidate: (?!\(none\))\S+/.test(policy);
  });
  return available ?? names[0];
}

const shown = (spec) => spec.split('|').join(' (or ') + (spec.includes('|') ? ')' : '');

function stop(missing, reason) {
  const apt = isRoot
    ? 'apt-get install'
    : succeeds('sudo', ['--version'])
      ? 'sudo apt-get install'
      : 'as root: apt-get install';
  console.error(`npm test: ${missing.length} tool(s) missing, not installed because ${reason}:`);
  for (const requirement of missing) {
    const packages = requirement.apt.map(shown).join(' ');
    const how = hasApt ? `${apt} ${packages}` : `install it; on Debian or Ubuntu: apt-get install ${packages}`;
    console.error(`  missing ${requirement.what} (${requirement.why}): ${how}`);
  }
  console.error('Install them, then run npm test again. No suite was run.');
  process.exit(1);
}

const missing = requirements.filter((requirement) => !requirement.present());
if (missing.length === 0) {
  console.log(`preflight: all present (${requirements.map((requirement) => requirement.id).join(', ')})`);
  process.exit(0);
}
const reason = cannotInstall();
if (reason) stop(missing, reason);

console.log(`preflight: installing with apt-get${isRoot ? '' : ' (sudo)'} what npm test needs and this machine lacks:`);
if (!aptGet(['update'], 'ignore')) stop(missing, '`apt-get update` failed');
const packages = new Set();
for (const requirement of missing) {
  const names = requirement.apt.map(resolvePackage);
  console.log(`  ${names.join(' ')}: ${requirement.what}, because ${requirement.why}`);
  for (const name of names) packages.add(name);
}
const install = ['install', '-y', '--no-install-recommends', ...packages];
console.log(`$ apt-get ${install.join(' ')}`);
const installed = aptGet(install, 'inherit');
const stillMissing = missing.filter((requirement) => !requirement.present());
if (!installed || stillMissing.length > 0) stop(stillMissing.length > 0 ? stillMissing : missing, 'apt-get failed');
console.log(`preflight: installed ${missing.map((requirement) => requirement.id).join(', ')}`);
