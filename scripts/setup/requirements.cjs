// Every tool outside Node that `npm test` needs, as data: how to tell it is here, which Debian or
// Ubuntu packages install it, and how to fence it off from the Node-only suites. A Jest suite that
// needs one says so in its docblock (`@requires <id>`); to add a tool, add an entry here.
// CommonJS because Jest loads the suite filters (scripts/test/*-suites.cjs) that read it with require().
const { spawnSync } = require('node:child_process');
const { accessSync, constants, existsSync, readdirSync } = require('node:fs');
const { delimiter, join } = require('node:path');

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Found on PATH, or in the sbin folders a non-root PATH lacks but Debian puts daemons in. */
function onPath(name) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  return dirs.some((dir) => dir !== '' && executable(join(dir, name)));
}

/** Debian installs the server under /usr/lib/postgresql/<major>/bin, off PATH; PG_BIN overrides (as the tests do). */
function postgresBinDirs() {
  if (process.env.PG_BIN) return [process.env.PG_BIN];
  const root = '/usr/lib/postgresql';
  return existsSync(root) ? readdirSync(root).map((major) => join(root, major, 'bin')) : [];
}

function anyFont(dir = '/usr/share/fonts', depth = 0) {
  if (depth > 4 || !existsSync(dir)) return false;
  return readdirSync(dir, { withFileTypes: true }).some((entry) =>
    entry.isDirectory() ? anyFont(join(dir, entry.name), depth + 1) : /\.(ttf|otf)$/i.test(entry.name),
  );
}

/** The major version `java -version` reports (17 for "17.0.15", 8 for "1.8.0_402"), or 0. */
function javaMajor() {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  if (result.error || !match) return 0;
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

/**
 * One tool. `id` is what a suite names in `@requires <id>`; `apt` lists packages, where
 * `a|b` means the first one the distribution has. In the Node-only suites, `binaries` on PATH and
 * the paths `fence(dir)` sets are stand-ins that fail naming the marker, and `serviceUrls` are unset,
 * so a suite that reaches the tool without the marker fails instead of slipping through.
 * @typedef {{ id: string, what: string, why: string, present: () => boolean, apt: string[],
 *   binaries: string[], fence?: (dir: string) => Record<string, string>, serviceUrls?: string[] }} Requirement
 */

/** @type {Requirement[]} */
const requirements = [
  {
    id: 'redis-server',
    what: 'redis-server and redis-cli',
    why: 'the Redis store suites start their own servers',
    present: () => onPath('redis-server') && onPath('redis-cli'),
    apt: ['redis-server'],
    binaries: ['redis-server', 'redis-cli'],
    serviceUrls: ['REDIS_URL'],
  },
  {
    id: 'postgresql',
    what: 'the PostgreSQL server binaries',
    why: 'the PostgreSQL store suites start their own clusters',
    present: () =>
      postgresBinDirs().some((dir) =>
        ['initdb', 'pg_ctl', 'postgres', 'psql'].every((name) => executable(join(dir, name))),
      ),
    apt: ['postgresql'],
    binaries: ['initdb', 'pg_ctl', 'postgres', 'psql'],
    fence: (dir) => ({ PG_BIN: dir }),
    serviceUrls: ['PG_URL'],
  },
  {
    id: 'squid',
    what: 'squid with basic_ncsa_auth, and openssl',
    why: 'the proxy suites run real squids, with a throwaway certificate and password file',
    present: () =>
      (executable('/usr/sbin/squid') || executable('/usr/bin/squid')) &&
      executable('/usr/lib/squid/basic_ncsa_auth') &&
      onPath('openssl'),
    apt: ['squid', 'openssl'],
    binaries: ['squid', 'openssl'],
    fence: (dir) => ({ SQUID_PATH: join(dir, 'squid') }),
  },
  {
    id: 'pgbouncer',
    what: 'pgbouncer',
    why: 'the PostgreSQL suites run through a real PgBouncer',
    present: () => onPath('pgbouncer'),
    apt: ['pgbouncer'],
    binaries: ['pgbouncer'],
  },
  {
    id: 'java',
    what: 'a JDK 17 or newer',
    why: 'the OpenAPI generator that check:generated, the generator matrix and the release rehearsal run is Java',
    present: () => javaMajor() >= 17,
    apt: ['openjdk-17-jdk-headless|openjdk-21-jdk-headless'],
    binaries: ['java'],
  },
  {
    id: 'maven',
    what: 'Maven',
    why: 'it fetches the pinned generator jar from Maven Central',
    present: () => spawnSync('mvn', ['-v'], { stdio: 'ignore' }).status === 0,
    apt: ['maven'],
    binaries: ['mvn'],
  },
  {
    id: 'chromium',
    what: 'Chromium and a font',
    why: 'test:browser drives headless Chromium through the consent page',
    present: () => executable(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') && anyFont(),
    apt: ['chromium', 'fonts-liberation'],
    binaries: ['chromium'],
    fence: (dir) => ({ CHROMIUM_PATH: join(dir, 'chromium') }),
  },
];

module.exports = { requirements };
