/** @requires redis-server */
import { randomUUID } from 'node:crypto';
import { RedisTokenStore } from '../../src/redis/index.js';
import { storeConformanceChecks } from '../../src/testing/index.js';
import { startRedis, type TestRedis } from './support.js';

let redis: TestRedis;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

describe('RedisTokenStore passes the TokenStore conformance kit', () => {
  const keyPrefix = `conformance-${randomUUID()}:`;
  const checks = storeConformanceChecks(() => new RedisTokenStore({ url: redis.url, keyPrefix }), {
    shared: true,
    requires: ['compareAndSet', 'runExclusive'],
    dispose: (store) => store.close(),
  });
  for (const check of checks) test(check.name, check.run);
});
