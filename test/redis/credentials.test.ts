/** @requires redis-server */
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { OAuthValidationError } from '../../src/index.js';
import { RedisAuthError, RedisStoreError, RedisTokenStore } from '../../src/redis/index.js';
import { freePort } from '../support.js';
import { startRedis, type TestRedis } from './support.js';

const PASSWORD = 'hunter2-redis-password';

/** Every place a secret could hide in an error: message, stack, inspect (with causes), JSON, own fields. */
function everythingShown(error: unknown): string {
  const fields = error !== null && typeof error === 'object' ? Object.values(error) : [];
  return [
    String(error),
    (error as Error)?.stack,
    inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(error),
    JSON.stringify(fields),
    inspect((error as { cause?: unknown })?.cause, { depth: 10, showHidden: true }),
  ].join('\n');
}

function thrownBy(build: () => unknown): unknown {
  try {
    build();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('RedisTokenStore with a malformed url', () => {
  test.each([
    ['a port out of range', `redis://:${PASSWORD}@127.0.0.1:99999`, /port out of range/],
    ['a port that is not a number', `redis://:${PASSWORD}@127.0.0.1:six`, /port that is not a number/],
    ['an unclosed IPv6 host', `redis://:${PASSWORD}@[bad`, /IPv6 host without its closing/],
    ['no host', `redis://:${PASSWORD}@`, /has no host/],
    [
      'a password with a broken percent-encoding',
      `redis://:${PASSWORD}%zz@127.0.0.1:6379`,
      /malformed percent-encoding/,
    ],
    ['a path that is not a database number', `redis://:${PASSWORD}@127.0.0.1:6379/tokens`, /not a database number/],
    ['no redis:// scheme at all', `[bad${PASSWORD}`, /must be a redis:\/\/ or rediss:\/\/ URL/],
  ])('%s → OAuthValidationError naming the problem, never the password', (_, url, problem) => {
    const error = thrownBy(() => new RedisTokenStore({ url }));

    expect(error).toBeInstanceOf(OAuthValidationError);
    expect((error as OAuthValidationError).code).toBe('OAUTH_INVALID_INPUT');
    expect((error as Error).message).toMatch(problem);
    expect((error as Error).cause).toBeUndefined();
    expect(everythingShown(error)).not.toContain(PASSWORD);
    expect(everythingShown(error)).not.toContain('hunter2');
  });
});

describe('RedisTokenStore against a Redis that requires a password', () => {
  let redis: TestRedis;
  const stores: RedisTokenStore[] = [];
  const withPassword = (password: string | undefined) => {
    const auth = password === undefined ? '' : `:${password}@`;
    const store = new RedisTokenStore({
      url: redis.url.replace('redis://', `redis://${auth}`),
      keyPrefix: `test-${randomUUID()}:`,
      connectTimeoutMs: 5_000,
    });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
  });

  afterAll(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await redis?.stop();
  });

  test('the right password works', async () => {
    const store = withPassword(PASSWORD);
    await store.set('user-1', { accessToken: 'access-token-1', refreshToken: 'refresh-token-1', tokenType: 'Bearer' });
    expect(await store.get('user-1')).toEqual({
      accessToken: 'access-token-1',
      refreshToken: 'refresh-token-1',
      tokenType: 'Bearer',
    });
  });

  test('a wrong password → RedisAuthError (OAUTH_REDIS_AUTH_FAILED, WRONGPASS), at once and without the password', async () => {
    const wrong = `${PASSWORD}-but-wrong`;
    const started = performance.now();
    const error = await withPassword(wrong)
      .get('user-1')
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RedisAuthError);
    expect(error).toBeInstanceOf(RedisStoreError);
    expect((error as RedisAuthError).code).toBe('OAUTH_REDIS_AUTH_FAILED');
    expect((error as Error).message).toMatch(/^Redis refused the credentials: WRONGPASS/);
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(everythingShown(error)).not.toContain(wrong);
    expect(everythingShown(error)).not.toContain('hunter2');
  });

  test('no password → RedisAuthError (NOAUTH)', async () => {
    const error = await withPassword(undefined)
      .get('user-1')
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RedisAuthError);
    expect((error as RedisAuthError).code).toBe('OAUTH_REDIS_AUTH_FAILED');
    expect((error as Error).message).toMatch(/NOAUTH/);
  });

  test('a Redis that is not there is "unavailable", not an auth failure', async () => {
    const store = new RedisTokenStore({
      url: `redis://:${PASSWORD}@127.0.0.1:${await freePort()}`,
      connectTimeoutMs: 300,
    });
    stores.push(store);
    const error = await store.get('user-1').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RedisStoreError);
    expect(error).not.toBeInstanceOf(RedisAuthError);
    expect((error as RedisStoreError).code).toBe('OAUTH_REDIS_UNAVAILABLE');
    expect(everythingShown(error)).not.toContain('hunter2');
  });
});
