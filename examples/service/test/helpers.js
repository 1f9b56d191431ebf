// What the service tests share: a browser in miniature (keeps cookies per host, follows redirects one
// hop at a time, so a test can stop at the consent redirect or replay a callback URL), a clock the
// tests move, and a Redis and a PostgreSQL of their own.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { createClient } from 'redis';
import { REDIS_PREFIX, SESSIONS_TABLE } from '../src/storage.js';

/** Parses Set-Cookie headers into name → { value, attributes } (lower-case attribute names). */
export function parseSetCookies(response) {
  const cookies = {};
  for (const header of response.headers.getSetCookie()) {
    const [pair, ...attributes] = header.split(';').map((part) => part.trim());
    const at = pair.indexOf('=');
    const parsed = { value: decodeURIComponent(pair.slice(at + 1)), attributes: {} };
    for (const attribute of attributes) {
      const [name, ...rest] = attribute.split('=');
      parsed.attributes[name.toLowerCase()] = rest.length ? rest.join('=') : true;
    }
    cookies[pair.slice(0, at)] = parsed;
  }
  return cookies;
}

/** A cookie jar per host name (ports share cookies, as in browsers; paths are all `/`) and a manual redirect walker. */
export class Browser {
  #jar = new Map();

  /** One request, no redirect followed; cookies are sent and kept as a browser would. */
  async request(url, init = {}) {
    const { hostname: host } = new URL(url);
    const cookies = this.#jar.get(host) ?? new Map();
    const headers = new Headers(init.headers);
    if (cookies.size) headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const [name, cookie] of Object.entries(parseSetCookies(response))) {
      const expired = cookie.attributes['max-age'] === '0' || cookie.attributes.expires?.includes('1970');
      if (expired || cookie.value === '') cookies.delete(name);
      else cookies.set(name, encodeURIComponent(cookie.value));
    }
    this.#jar.set(host, cookies);
    return response;
  }

  /** Follows redirects until a page answers; returns it with the URLs visited on the way. */
  async visit(url, init = {}) {
    const visited = [url];
    let response = await this.request(url, init);
    while (response.status >= 300 && response.status < 400) {
      const next = new URL(response.headers.get('location'), visited.at(-1)).toString();
      await response.arrayBuffer();
      visited.push(next);
      if (visited.length > 10) throw new Error('Too many redirects.');
      response = await this.request(next);
    }
    return { response, visited, html: await response.text() };
  }

  /** Puts a cookie in the jar, as a script or a sibling site might plant one. */
  setCookie(url, name, value) {
    const { hostname: host } = new URL(url);
    const cookies = this.#jar.get(host) ?? new Map();
    cookies.set(name, encodeURIComponent(value));
    this.#jar.set(host, cookies);
  }

  /** The value of a cookie the browser holds for the host of `url`. */
  cookie(url, name) {
    const value = this.#jar.get(new URL(url).hostname)?.get(name);
    return value === undefined ? undefined : decodeURIComponent(value);
  }
}

/** A clock the tests move forward, shared by the mock server and the client. */
export function fakeClock() {
  let offset = 0;
  const now = () => Date.now() + offset;
  now.advance = (ms) => {
    offset += ms;
  };
  return now;
}

/** The grant key the service keeps under the session a signed session cookie (`<id>.<signature>`) names. */
export function grantKeyOf(signedSession) {
  return `user:${signedSession.slice(0, signedSession.lastIndexOf('.'))}`;
}

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

/** Starts `redis-server` on a free port; resolves once it accepts connections. */
async function startRedisServer() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const spawnFailed = once(child, 'error').then(([err]) => {
    throw new Error(`This test needs redis-server (apt-get install redis-server): ${err.message}`);
  });
  const ready = new Promise((resolve) => {
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen = (seen + chunk).slice(-4096);
      if (seen.includes('Ready to accept connections')) resolve();
    });
  });
  try {
    await within(10_000, 'redis-server did not start', Promise.race([ready, spawnFailed]));
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  child.stdout.resume();
  return { port, child };
}

/**
 * A Redis of this test's own: a throwaway `redis-server` (the Debian package redis-server) on a free
 * port, never a shared one, so that no other suite's keys (encrypted under other keys) are in it.
 */
export async function redisForTest() {
  const { port, child } = await startRedisServer();
  return {
    url: `redis://127.0.0.1:${port}`,
    /** Freezes the server (SIGSTOP) until `thaw()`: it keeps its connections and answers nothing. */
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}

async function within(ms, message, promise) {
  let timer;
  const tooSlow = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms / 1000} s.`)), ms);
  });
  try {
    return await Promise.race([promise, tooSlow]);
  } finally {
    clearTimeout(timer);
  }
}

/** Debian installs PostgreSQL under /usr/lib/postgresql/<major>/bin, off PATH; the newest wins. */
function postgresBin(name) {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root).filter((major) => existsSync(join(root, major, 'bin', name)))
    : [];
  majors.sort((a, b) => Number(b) - Number(a));
  if (majors.length === 0)
    throw new Error(`This test needs PostgreSQL (apt-get install postgresql) or PG_URL: no ${name}.`);
  return join(root, majors[0], 'bin', name);
}

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` user. */
function postgresUser() {
  if (process.getuid?.() !== 0) return {};
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (!line) throw new Error('No "postgres" user to run PostgreSQL as (apt-get install postgresql creates it).');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

const run = promisify(execFile);

/** A throwaway cluster: initdb into a temp dir, started on a free loopback port, password auth. */
async function startCluster() {
  const user = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'hellosign-example-pg-'));
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid);
  const password = randomBytes(12).toString('hex');
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user.uid !== undefined) chownSync(passwordFile, user.uid, user.gid);
  const data = join(dir, 'data');
  const options = { ...user, cwd: tmpdir(), timeout: 60_000 };
  const initdb = ['-D', data, '-U', 'postgres', '--auth-host=scram-sha-256', `--pwfile=${passwordFile}`, '--no-sync'];
  await run(postgresBin('initdb'), [...initdb, '--auth-local=trust', '-E', 'UTF8', '--locale=C'], options);
  rmSync(passwordFile);
  const port = await freePort();
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  await run(
    postgresBin('pg_ctl'),
    ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'log'), '-o', settings],
    options,
  );
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await run(postgresBin('pg_ctl'), ['stop', '-D', data, '-m', 'immediate'], options).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A PostgreSQL database of this test's own: a new database on the server at PG_URL when set (CI
 * starts one), otherwise a throwaway cluster (the Debian package postgresql). Dropped by `stop()`.
 */
export async function postgresForTest() {
  if (!process.env.PG_URL) return startCluster();
  const name = `hellosign_example_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: process.env.PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(process.env.PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    stop: async () => {
      const dropper = new pg.Client({ connectionString: process.env.PG_URL });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/**
 * The service's shared stores: `variable` names it, `start()` gives a server of the test's own,
 * `reader(url)` reads what the store really holds, around the service: a grant as stored, and when
 * a session ends (`null` when absent).
 */
export const SHARED_STORES = [
  {
    name: 'Redis (REDIS_URL)',
    variable: 'REDIS_URL',
    start: redisForTest,
    async reader(url) {
      const client = createClient({ url });
      await client.connect();
      return {
        grant: (key) => client.get(`${REDIS_PREFIX}tokens:${key}`),
        sessionEnd: (key) => client.zScore(`${REDIS_PREFIX}sessions`, key),
        close: () => client.close(),
      };
    },
  },
  {
    name: 'PostgreSQL (DATABASE_URL)',
    variable: 'DATABASE_URL',
    start: postgresForTest,
    async reader(url) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const one = async (sql, key) => (await client.query(sql, [key])).rows[0]?.value ?? null;
      return {
        grant: (key) => one('SELECT tokens::text AS value FROM hellosign_oauth_grants WHERE key = $1', key),
        sessionEnd: (key) => one(`SELECT expires_at AS value FROM ${SESSIONS_TABLE} WHERE grant_key = $1`, key),
        close: () => client.end(),
      };
    },
  },
];

/**
 * The environment of an instance against the mock Dropbox Sign `mock` and the shared store of
 * `mode` (one of SHARED_STORES) at `url`, with `overrides` (TOKEN_KEYS and SESSION_SECRET at least).
 */
export function sharedStoreEnv({ mock, mode, url }, overrides) {
  return {
    HELLOSIGN_CLIENT_ID: mock.clientId,
    HELLOSIGN_CLIENT_SECRET: mock.clientSecret,
    HELLOSIGN_OAUTH_BASE_URL: mock.url,
    HELLOSIGN_API_BASE_URL: mock.apiBaseUrl,
    [mode.variable]: url,
    ...overrides,
  };
}
