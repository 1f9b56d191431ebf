import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restartablePort } from '../support.js';

/** A PostgreSQL for one test file: `PG_URL` when set, otherwise a private throwaway cluster. */
export interface TestPostgres {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres` */
  url: string;
  /** The cluster's password, to check that no error or output ever shows it. */
  readonly password: string;
  /** Crashes a private cluster (`pg_ctl stop -m immediate`). No-op for `PG_URL`. */
  stop(): Promise<void>;
  /** Starts the private cluster again on the same port. */
  start(): Promise<void>;
  /** Stops and deletes a private cluster. */
  destroy(): Promise<void>;
}

/**
 * Debian installs the server under /usr/lib/postgresql/<major>/bin, off PATH; PG_BIN overrides.
 * The newest installed major wins.
 */
export function postgresBin(name: string): string {
  if (process.env.PG_BIN) return join(process.env.PG_BIN, name);
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((major) => existsSync(join(root, major, 'bin', name)))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return majors.length > 0 ? join(root, majors[0], 'bin', name) : name;
}

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return userIds('postgres');
}

function userIds(user: string): { uid: number; gid: number } {
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((entry) => entry.startsWith(`${user}:`));
  if (!line) throw new Error(`No "${user}" user to run PostgreSQL as (apt-get install postgresql creates it).`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function run(command: string, args: string[]): Promise<string> {
  const ids = runAs();
  return new Promise((resolve, reject) => {
    execFile(command, args, { ...ids, cwd: tmpdir(), timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** `ownServer` insists on a private cluster, for tests that stop it or log in with a wrong password. */
export async function startPostgres(options: { ownServer?: boolean } = {}): Promise<TestPostgres> {
  const shared = process.env.PG_URL;
  if (shared && !options.ownServer) {
    const password = decodeURIComponent(new URL(shared).password);
    const noop = async () => {};
    return { url: shared, password, stop: noop, start: noop, destroy: noop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'hellosign-oauth-pg-'));
  const ids = runAs();
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const data = join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (ids) chownSync(passwordFile, ids.uid, ids.gid);
  await run(postgresBin('initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    `--pwfile=${passwordFile}`,
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  rmSync(passwordFile);
  const port = await restartablePort();
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => {
    await run(postgresBin('pg_ctl'), ['start', '-w', '-t', '60', '-D', data, '-l', join(dir, 'log'), '-o', settings]);
  };
  const stop = async () => {
    await run(postgresBin('pg_ctl'), ['stop', '-D', data, '-m', 'immediate']).catch(() => {});
  };
  await start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    password,
    start,
    stop,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `psql` (the real client) and returns its unaligned, tuples-only output. */
export function psql(url: string, sql: string): Promise<string> {
  // The password goes in the environment, never in argv (visible to every user in `ps`).
  const target = new URL(url);
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(target.password) };
  target.password = '';
  const args = [target.toString(), '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql];
  return new Promise((resolve, reject) => {
    execFile(postgresBin('psql'), args, { env }, (error, stdout, stderr) => {
      if (error) reject(new Error(`psql failed: ${stderr}`));
      else resolve(stdout);
    });
  });
}
