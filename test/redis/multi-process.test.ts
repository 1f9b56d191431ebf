/** @requires redis-server */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RedisTokenStore } from '../../src/redis/index.js';
import { TokenServer, type TokenServerOptions } from '../support.js';
import type { WorkerConfig, WorkerMessage } from './fixtures/refresh-worker.js';
import { startRedis, type TestRedis } from './support.js';

/**
 * Several real Node processes ("instances"), each with its own TokenManager over a
 * RedisTokenStore, share one grant in one real Redis and one counting token server.
 */

const ROOT = resolve(__dirname, '../..');
const KEY = 'user-42';
const PROCESSES = 4;
const CALLERS = 100;
const LOCK_TTL_MS = 1500;
// Before each request the holder renews its lock to outlast the attempt and the write of its
// result (timeoutMs + 2 × commandTimeoutMs): kept within LOCK_TTL_MS, a dead holder's lock frees
// itself within one TTL, as these tests expect.
const TIMEOUT_MS = 900;
const COMMAND_TIMEOUT_MS = 300;

let redis: TestRedis;
let tmp: string;
let bundle: string;

beforeAll(async () => {
  redis = await startRedis();
  // Inside the repo (.tmp/ is git-ignored), so the bundle's externals resolve from its node_modules.
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  tmp = mkdtempSync(join(ROOT, '.tmp', 'redis-workers-'));
  bundle = join(tmp, 'refresh-worker.js');
  execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [
    join(__dirname, 'fixtures/refresh-worker.ts'),
    '--bundle',
    '--platform=node',
    '--format=cjs',
    '--target=node20',
    '--external:node-fetch',
    '--external:redis',
    '--log-level=warning',
    `--outfile=${bundle}`,
  ]);
});

afterAll(async () => {
  await redis?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Worker {
  name: string;
  child: ChildProcess;
  done: Promise<Extract<WorkerMessage, { type: 'done' }>>;
}

const workers: Worker[] = [];

afterEach(() => {
  for (const { child } of workers.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

async function startWorkers(baseUrl: string, keyPrefix: string, lockWaitMs: number): Promise<Worker[]> {
  const started = Array.from({ length: PROCESSES }, (_, i) => {
    const config: WorkerConfig = {
      name: `worker-${i}`,
      redisUrl: redis.url,
      keyPrefix,
      baseUrl,
      key: KEY,
      callers: CALLERS,
      lockTtlMs: LOCK_TTL_MS,
      lockWaitMs,
      timeoutMs: TIMEOUT_MS,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    };
    const child = fork(bundle, [], {
      env: { ...process.env, WORKER_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const messages = (type: WorkerMessage['type']) =>
      new Promise<WorkerMessage>((resolveMessage, reject) => {
        const onMessage = (message: WorkerMessage) => {
          if (message.type === type) resolveMessage(message);
        };
        child.on('message', onMessage);
        child.once('exit', (code, signal) => reject(new Error(`${config.name} exited (${code ?? signal})`)));
      });
    const ready = messages('ready');
    const worker: Worker = { name: config.name, child, done: messages('done') as Worker['done'] };
    // A killed worker never reports; only the ones a test waits for may reject it.
    worker.done.catch(() => {});
    workers.push(worker);
    return ready.then(() => worker);
  });
  return Promise.all(started);
}

function go(all: Worker[]): void {
  for (const { child } of all) child.send('go');
}

async function seedExpiredGrant(keyPrefix: string): Promise<RedisTokenStore> {
  const store = new RedisTokenStore({ url: redis.url, keyPrefix });
  await store.set(KEY, {
    accessToken: 'access-token-0',
    refreshToken: 'refresh-token-0',
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: new Date(Date.now() - 60_000).toISOString(),
  });
  return store;
}

async function scenario(options: Omit<TokenServerOptions, 'initialRefreshToken'>, lockWaitMs = 4 * LOCK_TTL_MS) {
  const keyPrefix = `test-${randomUUID()}:`;
  const server = new TokenServer({ initialRefreshToken: 'refresh-token-0', ...options });
  const baseUrl = await server.listen();
  const store = await seedExpiredGrant(keyPrefix);
  const all = await startWorkers(baseUrl, keyPrefix, lockWaitMs);
  const cleanup = async () => {
    await store.close();
    await server.close();
  };
  return { server, store, all, cleanup };
}

describe('RedisTokenStore across processes', () => {
  test(`${PROCESSES} processes × ${CALLERS} callers for one expired grant → exactly 1 refresh, one token everywhere, rotated refresh token stored`, async () => {
    const { server, store, all, cleanup } = await scenario({ policy: 'rotate' });
    try {
      go(all);
      const reports = await Promise.all(all.map((worker) => worker.done));

      expect(server.received).toHaveLength(1);
      for (const report of reports) {
        expect(report.errors).toEqual({});
        expect(report.tokens).toEqual({ 'access-token-1': CALLERS });
      }
      const stored = await store.get(KEY);
      expect(stored).toMatchObject({ accessToken: 'access-token-1', refreshToken: 'refresh-token-1' });
      expect(server.currentRefreshToken).toBe('refresh-token-1');
    } finally {
      await cleanup();
    }
  });

  test('kill -9 of the lock holder mid-refresh → another process refreshes within about the lock TTL', async () => {
    // Waiters give up after 2 TTLs: success proves the dead holder's lock freed itself in time.
    const { server, store, all, cleanup } = await scenario({ policy: 'rotate', stallFirst: true }, 2 * LOCK_TTL_MS);
    try {
      go(all);
      const holderName = (await server.stalled).userAgent;
      const holder = all.find((worker) => worker.name === holderName) as Worker;
      const killed = once(holder.child, 'exit');
      holder.child.kill('SIGKILL');
      const killedAt = performance.now();
      expect((await killed)[1]).toBe('SIGKILL');

      const survivors = all.filter((worker) => worker !== holder);
      const reports = await Promise.all(
        survivors.map((worker) => worker.done.then((report) => ({ report, at: performance.now() }))),
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
      if (process.env.REDIS_TEST_FIGURES) {
        const recoveredMs = Math.max(...reports.map(({ at }) => at)) - killedAt;
        console.log(`recovered ${Math.round(recoveredMs)} ms after kill -9 (lock TTL ${LOCK_TTL_MS} ms)`);
      }
    } finally {
      await cleanup();
    }
  });

  test.each([
    ['a server that still accepts the old refresh token: its late tokens lose the compare-and-set', 'reuse'],
    ['a rotating server: its late invalid_grant does not fail its callers or kill the grant', 'rotate'],
  ] as const)('a holder frozen past its lock TTL never overwrites the newer tokens — %s', async (_, policy) => {
    const { server, store, all, cleanup } = await scenario({ policy, stallFirst: true });
    try {
      go(all);
      const holderName = (await server.stalled).userAgent;
      const holder = all.find((worker) => worker.name === holderName) as Worker;
      holder.child.kill('SIGSTOP');

      const survivors = all.filter((worker) => worker !== holder);
      for (const report of await Promise.all(survivors.map((worker) => worker.done))) {
        expect(report.tokens).toEqual({ 'access-token-1': CALLERS });
      }
      // Now the frozen holder's refresh is answered and the holder wakes up to it.
      server.releaseStalled();
      holder.child.kill('SIGCONT');
      const late = await holder.done;

      expect(late.errors).toEqual({});
      expect(late.tokens).toEqual({ 'access-token-1': CALLERS });
      expect(server.received).toHaveLength(2);
      expect(server.issued).toHaveLength(policy === 'reuse' ? 2 : 1);
      expect(await store.get(KEY)).toMatchObject({ accessToken: 'access-token-1', refreshToken: 'refresh-token-1' });
    } finally {
      await cleanup();
    }
  });
});
