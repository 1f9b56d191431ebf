import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { buildSync } from 'esbuild';
import type { OAuthClientOptions } from '../../src/index.js';
import { freePort } from '../support.js';

const ROOT = join(__dirname, '..', '..');

/** A scratch directory inside the repo (.tmp/ is git-ignored), removed by `remove()`. */
export function scratchDir(prefix: string): { path: string; remove(): void } {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const path = mkdtempSync(join(ROOT, '.tmp', prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A self-signed certificate for `localhost` and 127.0.0.1, made by openssl for this run only. */
export function selfSignedCertificate(dir: string): { cert: string; key: string; certFile: string } {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile };
}

/** TLS in front of a plain-HTTP server on loopback: the HTTPS origin a CONNECT tunnel leads to. */
export async function startTlsTerminator(
  tls: { cert: string; key: string },
  upstreamPort: number,
): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTlsServer(tls, (clear) => {
    connections += 1;
    const upstream = connect(upstreamPort, '127.0.0.1');
    sockets.add(clear).add(upstream);
    clear.pipe(upstream).pipe(clear);
    const end = () => {
      clear.destroy();
      upstream.destroy();
    };
    clear.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A "proxy" that accepts connections and never answers: only a timeout ends a request through it. */
export async function startSilentProxy(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** What the fixture process printed. */
export type ClientOutcome =
  | { ok: true; refreshed: boolean }
  | {
      ok: false;
      isOAuthError: boolean;
      name: string;
      code: string;
      message: string;
      proxy?: string;
      proxyStatus?: number;
      causeCode?: string;
      elapsedMs: number;
      rendered: string[];
    };

/** Bundles test/proxy/fixtures/proxy-client.ts (with the client from src/) into `dir`. */
export function bundleClient(dir: string): string {
  const outfile = join(dir, 'proxy-client.js');
  buildSync({
    entryPoints: [join(__dirname, 'fixtures', 'proxy-client.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'error',
  });
  return outfile;
}

/**
 * Runs one exchange and one refresh in a fresh Node process whose environment is exactly `env`
 * (plus PATH), so proxy variables are read the way a service reads them at start-up.
 */
export function runClient(
  bundle: string,
  env: Record<string, string>,
  job: { options: Partial<OAuthClientOptions>; code: string; state: string },
): Promise<ClientOutcome> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [bundle, JSON.stringify(job)],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 15_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`client process failed: ${error.message}\n${stderr}`));
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as ClientOutcome);
        } catch {
          reject(new Error(`client process printed no outcome:\n${stdout}\n${stderr}`));
        }
      },
    );
  });
}

/** A real squid on loopback, private to one test file. */
export interface TestSquid {
  /** `http://127.0.0.1:<port>`, without credentials. */
  readonly url: string;
  readonly port: number;
  /** `http://user:password@127.0.0.1:<port>`, with the parts percent-encoded. */
  urlWith(user: string, password: string): string;
  /** squid's access log so far: one line per request it handled (method, target, user, result). */
  accessLog(): string;
  stop(): Promise<void>;
}

export interface SquidOptions {
  /** Require proxy auth (Basic, checked by squid's basic_ncsa_auth against an htpasswd file). */
  users?: Record<string, string>;
  /** Refuse every request with 403 (`http_access deny all`). */
  denyAll?: boolean;
}

const BASIC_NCSA_AUTH = '/usr/lib/squid/basic_ncsa_auth';

/** SQUID_PATH, or Debian's package (`npm test` installs it: scripts/setup/requirements.cjs). */
function squidBinary(): string {
  if (process.env.SQUID_PATH) return process.env.SQUID_PATH;
  for (const candidate of ['/usr/sbin/squid', '/usr/bin/squid']) if (existsSync(candidate)) return candidate;
  throw new Error('squid is not installed: `npm test` installs it, or run `apt-get install squid`.');
}

/** An htpasswd line per user, hashed with openssl's apr1 (MD5-crypt), which basic_ncsa_auth reads. */
function htpasswd(users: Record<string, string>): string {
  return Object.entries(users)
    .map(
      ([user, password]) =>
        `${user}:${execFileSync('openssl', ['passwd', '-apr1', '-stdin'], { input: password, encoding: 'utf8' }).trim()}\n`,
    )
    .join('');
}

function config(dir: string, port: number, options: SquidOptions): string {
  const access = options.denyAll
    ? ['http_access deny all']
    : options.users
      ? [
          `auth_param basic program ${BASIC_NCSA_AUTH} ${join(dir, 'passwd')}`,
          'auth_param basic realm hellosign-oauth-test',
          'acl authenticated proxy_auth REQUIRED',
          'http_access allow authenticated',
          'http_access deny all',
        ]
      : ['acl local src 127.0.0.0/8', 'http_access allow local', 'http_access deny all'];
  return [
    `http_port 127.0.0.1:${port}`,
    `pid_filename ${join(dir, 'squid.pid')}`,
    `cache_log ${join(dir, 'cache.log')}`,
    `access_log stdio:${join(dir, 'access.log')}`,
    `coredump_dir ${dir}`,
    'cache deny all',
    'cache_mem 8 MB',
    'netdb_filename none',
    'pinger_enable off',
    'shutdown_lifetime 0 seconds',
    'visible_hostname hellosign-oauth-test',
    ...access,
    '',
  ].join('\n');
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function launch(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(squidBinary(), ['-N', '-f', join(dir, 'squid.conf')], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const log = existsSync(join(dir, 'cache.log')) ? readFileSync(join(dir, 'cache.log'), 'utf8') : '';
      throw new Error(`squid did not start on port ${port}: ${log.slice(-800)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return child;
}

/** Starts a throwaway squid with its own config, log and password file in a temporary directory. */
export async function startSquid(options: SquidOptions = {}): Promise<TestSquid> {
  const dir = mkdtempSync(join(tmpdir(), 'hellosign-oauth-squid-'));
  // squid drops root for its own user (`proxy`), which must read the config and write the logs.
  chmodSync(dir, 0o777);
  if (options.users) writeFileSync(join(dir, 'passwd'), htpasswd(options.users), { mode: 0o644 });
  let child: ChildProcess | undefined;
  let port = 0;
  // Retried: another process may take the port between freePort() and squid's bind.
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    writeFileSync(join(dir, 'squid.conf'), config(dir, port, options), { mode: 0o644 });
    try {
      child = await launch(dir, port);
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  const running = child;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    urlWith: (user, password) => `http://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    accessLog: () => (existsSync(join(dir, 'access.log')) ? readFileSync(join(dir, 'access.log'), 'utf8') : ''),
    async stop() {
      if (running.exitCode === null && running.signalCode === null) {
        const exited = once(running, 'exit');
        running.kill('SIGTERM');
        const timer = setTimeout(() => running.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
