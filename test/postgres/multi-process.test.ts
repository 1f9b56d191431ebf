/** @requires postgresql */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PostgresTokenStore } from '../../src/postgres/index.js';
import { TokenServer, type TokenServerOptions, waitUntil } from '../support.js';
import type { WorkerConfig, WorkerMessage } from './fixtures/refresh-worker.js';
import { psql, startPostgres, type TestPostgres } from './support.js';

/**
 * Several real Node processes ("instances"), each with its own TokenManager over a
 * PostgresTokenStore, share one grant in one real PostgreSQL and one counting token server.
 */

const ROOT = resolve(__dirname, '../..');
const KEY = 'user-42';
const PROCESSES = 4;
const CALLERS = 100;

let postgres: TestPostgres;
let tmp: string;
let bundle: string;

beforeAll(async () => {
  // A private cluster: one test restarts it.
  postgres = await startPostgres({ ownServer: true });
  // Inside the repo (.tmp/ is git-ignored), so the bundle's externals resolve from its node_modules.
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  tmp = mkdtempSync(join(ROOT, '.tmp', 'postgres-workers-'));
  bundle = join(tmp, 'refresh-worker.js');
  execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [
    join(__dirname, 'fixtures/refresh-worker.ts'),
    '--bundle',
    '--platform=node',
    '--format=cjs',
    '--target=node20',
    '--external:node-fetch',
    '--external:pg',
    '--log-level=warning',
    `--outfile=${bundle}`,
  ]);
}, 120_000);

afterAll(async () => {
  await postgres?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

type Report = Extract<WorkerMessage, { type: 'done' }>;

interface Worker {
  name: string;
  child: ChildProcess;
  /** Runs one round of callers and resolves with its report. */
  round(n: number): Promise<Report>;
}

const workers: Worker[] = [];

afterEach(() => {
  for (const { child } of workers.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

async function startWorkers(
  baseUrl: string,
  table: string,
  lock: { ttlMs: number; waitMs: number },
): Promise<Worker[]> {
  const started = Array.from({ length: PROCESSES }, (_, i) => {
    const config: WorkerConfig = {
      name: `worker-${i}`,
      connectionString: postgres.url,
      table,
      baseUrl,
      key: KEY,
      callers: CALLERS,
      lockTtlMs: lock.ttlMs,
      lockWaitMs: lock.waitMs,
    };
    // The connection string (with its password) goes in the environment, never in argv.
    const child = fork(bundle, [], {
      env: { ...process.env, WORKER_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const next = (accept: (message: WorkerMessage) => boolean) =>
      new Promise<WorkerMessage>((resolveMessage, reject) => {
        const onMessage = (message: WorkerMessage) => {
          if (!accept(message)) return;
          child.off('message', onMessage);
          resolveMessage(message);
        };
        child.on('message', onMessage);
        child.once('exit', (code, signal) => reject(new Error(`${config.name} exited (${code ?? signal})`)));
      });
    const ready = next((message) => message.type === 'ready');
    const worker: Worker = {
      name: config.name,
      child,
      round: (n) => {
        const done = next((message) => message.type === 'done' && message.round === n) as Promise<Report>;
        child.send({ round: n });
        return done;
      },
    };
    workers.push(worker);
    return ready.then(() => worker);
  });
  return Promise.all(started);
}

async function scenario(
  options: Omit<TokenServerOptions, 'initialRefreshToken'>,
  lock = { ttlMs: 10_000, waitMs: 20_000 },
) {
  const table = `grants_${randomUUID().replaceAll('-', '')}`;
  const server = new TokenServer({ initialRefreshToken: 'refresh-token-0', ...options });
  const baseUrl = await server.listen();
  const store = new PostgresTokenStore({ connectionString: postgres.url, table });
  await store.ensureSchema();
  await store.set(KEY, {
    accessToken: 'access-token-0',
    refreshToken: 'refresh-token-0',
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: new Date(Date.now() - 60_000).toISOString(),
  });
  const all = await startWorkers(baseUrl, table, lock);
  const cleanup = async () => {
    await store.close();
    await server.close();
  };
  return { server, store, all, table, cleanup };
}

/** How many processes wait on an advisory lock right now, as PostgreSQL sees it. */
async function waitingForLock(): Promise<number> {
  return Number(await psql(postgres.url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"));
}

async function storedTokens(table: string): Promise<string> {
  return (await psql(postgres.url, `SELECT tokens->>'accessToken', tokens->>'refreshToken' FROM "${table}"`)).trim();
}

describe('PostgresTokenStore across processes', () => {
  test(`${PROCESSES} processes × ${CALLERS} callers for one expired grant → exactly 1 refresh, one token everywhere, rotated refresh token stored`, async () => {
    const { server, store, all, cleanup } = await scenario({ policy: 'rotate' });
    try {
      const reports = await Promise.all(all.map((worker) => worker.round(1)));

      expect(server.received).toHaveLength(1);
      for (const report of reports) {
        expect(report.errors).toEqual({});
        expect(report.tokens).toEqual({ 'access-token-1': CALLERS });
      }
      expect(await store.get(KEY)).toMatchObject({ accessToken: 'access-token-1', refreshToken: 'refresh-token-1' });
      expect(server.currentRefreshToken).toBe('refresh-token-1');
    } finally {
      await cleanup();
    }
  });

  test('kill -9 of the lock holder mid-refresh → the others go on at once, with no lock TTL to wait out', async () => {
    // A lock TTL far beyond the waiters' patience: if the dead holder's lock had to expire, every
    // waiter would fail with OAUTH_LOCK_TIMEOUT instead of finishing.
    const { server, store, all, cleanup } = await scenario(
      { policy: 'rotate', stallFirst: true },
      { ttlMs: 60_000, waitMs: 10_000 },
    );
    try {
      const rounds = all.map((worker) => ({ worker, done: worker.round(1) }));
      for (const { done } of rounds) done.catch(() => {});
      const holderName = (await server.stalled).userAgent;
      const holder = all.find((worker) => worker.name === holderName) as Worker;
      // Every other process is blocked in pg_advisory_lock behind the holder.
      await waitUntil(async () => (await waitingForLock()) === PROCESSES - 1, 10_000, 'the waiters to queue');
      const killed = once(holder.child, 'exit');
      holder.child.kill('SIGKILL');
      const killedAt = performance.now();
      expect((await killed)[1]).toBe('SIGKILL');

      const survivors = rounds.filter(({ worker }) => worker !== holder);
      const reports = await Promise.all(
        survivors.map(({ done }) => done.then((report) => ({ report, at: performance.now() }))),
      );

      for (const { report } of reports) {
        expect(report.errors).toEqual({});
        expect(report.tokens).toEqual({ 'access-token-1': CALLERS });
      }
      // The stalled request was never answered; exactly one more was sent, by a survivor.
      expect(server.received).toHaveLength(2);
      expect(server.received[0].userAgent).toBe(holderName);
      expect(server.received[1].userAgent).not.toBe(holderName);
      expect(server.issued).toHaveLength(1);
      expect(await store.get(KEY)).toMatchObject({ accessToken: 'access-token-1', refreshToken: 'refresh-token-1' });
      const recoveredMs = Math.max(...reports.map(({ at }) => at)) - killedAt;
      console.log(
        `PostgreSQL: ${PROCESSES - 1} survivors done ${Math.round(recoveredMs)} ms after kill -9 of the lock holder (advisory lock freed with its connection; no TTL)`,
      );
    } finally {
      await cleanup();
    }
  });

  test.each([
    ['a server that still accepts the old refresh token: its late tokens lose the compare-and-set', 'reuse'],
    ['a rotating server: its late invalid_grant does not fail its callers or kill the grant', 'rotate'],
  ] as const)(
    'a holder frozen past lockTtlMs loses the lock to PostgreSQL and never overwrites the newer tokens — %s',
    async (_, policy) => {
      const { server, store, all, cleanup } = await scenario(
        { policy, stallFirst: true },
        { ttlMs: 1_500, waitMs: 6_000 },
      );
      try {
        const rounds = all.map((worker) => ({ worker, done: worker.round(1) }));
        const holderName = (await server.stalled).userAgent;
        const holder = all.find((worker) => worker.name === holderName) as Worker;
        holder.child.kill('SIGSTOP');

        // idle_session_timeout ends the frozen holder's lock session; a survivor refreshes.
        const survivors = rounds.filter(({ worker }) => worker !== holder);
        for (const report of await Promise.all(survivors.map(({ done }) => done))) {
          expect(report).toMatchObject({ errors: {}, tokens: { 'access-token-1': CALLERS } });
        }
        // Now the frozen holder's refresh is answered and the holder wakes up to it.
        server.releaseStalled();
        holder.child.kill('SIGCONT');
        const late = await (rounds.find(({ worker }) => worker === holder)?.done as Promise<Report>);

        expect(late).toMatchObject({ errors: {}, tokens: { 'access-token-1': CALLERS } });
        expect(server.received).toHaveLength(2);
        expect(server.issued).toHaveLength(policy === 'reuse' ? 2 : 1);
        expect(await store.get(KEY)).toMatchObject({ accessToken: 'access-token-1', refreshToken: 'refresh-token-1' });
      } finally {
        await cleanup();
      }
    },
  );

  test('PostgreSQL restarts mid-refresh → typed errors while it is down, then every process recovers; no token is lost', async () => {
    const { server, all, table, cleanup } = await scenario({ policy: 'rotate', stallFirst: true });
    try {
      const rounds = all.map((worker) => ({ worker, done: worker.round(1) }));
      const holderName = (await server.stalled).userAgent;
      const holder = all.find((worker) => worker.name === holderName) as Worker;
      await waitUntil(async () => (await waitingForLock()) === PROCESSES - 1, 10_000, 'the waiters to queue');

      // Down while the holder's refresh is in flight; its answer arrives while the database is down.
      await postgres.stop();
      server.releaseStalled();
      const first = await Promise.all(rounds.map(({ done }) => done));
      for (const report of first) {
        // Every caller got either the new token or a typed error; none got a stale token.
        expect(Object.keys(report.tokens).every((token) => token === 'access-token-1')).toBe(true);
        for (const code of Object.keys(report.errors)) {
          expect(['OAUTH_POSTGRES_UNAVAILABLE', 'OAUTH_PERSIST_FAILED']).toContain(code);
        }
      }
      expect(first.some((report) => Object.keys(report.errors).length > 0)).toBe(true);

      await postgres.start();
      // The holder kept the tokens it could not store and stores them on its next call, with no
      // new refresh (the server would refuse the old refresh token); then the others read them.
      expect(await holder.round(2)).toMatchObject({ errors: {}, tokens: { 'access-token-1': CALLERS } });
      const others = all.filter((worker) => worker !== holder);
      for (const report of await Promise.all(others.map((worker) => worker.round(2)))) {
        expect(report).toMatchObject({ errors: {}, tokens: { 'access-token-1': CALLERS } });
      }
      expect(server.received).toHaveLength(1);
      expect(await storedTokens(table)).toBe('access-token-1|refresh-token-1');
    } finally {
      await cleanup();
    }
  });
});
