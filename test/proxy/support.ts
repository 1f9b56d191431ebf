import { execFile, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { buildSync } from 'esbuild';
import type { OAuthClientOptions } from '../../src/index.js';

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
