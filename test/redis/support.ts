import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { restartablePort } from '../support.js';

/** A Redis for one test file: `REDIS_URL` when set, otherwise a private `redis-server` on a free port. */
export interface TestRedis {
  url: string;
  /** The private server's process id (undefined for `REDIS_URL`), to freeze it with SIGSTOP. */
  readonly pid: number | undefined;
  /** Stops a private server (SIGKILL: Redis vanishes, as in a crash). No-op for `REDIS_URL`. */
  stop(): Promise<void>;
  /** Starts the private server again on the same port. */
  restart(): Promise<void>;
}

function startServer(port: number, password: string | undefined): Promise<ChildProcess> {
  const auth = password === undefined ? [] : ['--requirepass', password];
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...auth],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`)));
  });
}

async function stopServer(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/**
 * `ownServer` insists on a private server, for tests that stop or freeze it; `password` starts it
 * with `--requirepass` (and implies `ownServer`). `url` then carries no password.
 */
export async function startRedis(options: { ownServer?: boolean; password?: string } = {}): Promise<TestRedis> {
  if (process.env.REDIS_URL && !options.ownServer && options.password === undefined) {
    return { url: process.env.REDIS_URL, pid: undefined, stop: async () => {}, restart: async () => {} };
  }
  // Retried in case another process took the port between restartablePort() and the server's bind.
  for (let attempt = 1; ; attempt++) {
    const port = await restartablePort();
    try {
      let child = await startServer(port, options.password);
      return {
        url: `redis://127.0.0.1:${port}`,
        get pid() {
          return child.pid;
        },
        stop: () => stopServer(child),
        restart: async () => {
          await stopServer(child);
          child = await startServer(port, options.password);
        },
      };
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}
