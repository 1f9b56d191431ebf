/** @requires redis-server */
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { createClient } from 'redis';
import { OAuthError, OAuthValidationError, type TokenSetJSON } from '../../src/index.js';
import { RedisStoreError, RedisTokenStore } from '../../src/redis/index.js';
import { startRedis, type TestRedis } from './support.js';

let redis: TestRedis;
let raw: ReturnType<typeof createClient>;
const stores: RedisTokenStore[] = [];

beforeAll(async () => {
  redis = await startRedis();
  raw = createClient({ url: redis.url });
  await raw.connect();
});

afterAll(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await raw?.close();
  await redis?.stop();
});

function newStore(keyPrefix = `test-${randomUUID()}:`): RedisTokenStore {
  const store = new RedisTokenStore({ url: redis.url, keyPrefix });
  stores.push(store);
  return store;
}

function tokens(n: number): TokenSetJSON {
  return {
    accessToken: `access-token-${n}`,
    refreshToken: `refresh-token-${n}`,
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: '2030-01-01T00:00:00.000Z',
  };
}

function withoutRefreshToken(n: number): TokenSetJSON {
  const { refreshToken: _, ...rest } = tokens(n);
  return rest;
}

describe('RedisTokenStore get/set/delete', () => {
  test('round-trips the JSON form of a grant and reads a missing key as undefined', async () => {
    const store = newStore();
    expect(await store.get('user-1')).toBeUndefined();
    await store.set('user-1', tokens(1));
    expect(await store.get('user-1')).toEqual(tokens(1));
    await store.delete('user-1');
    expect(await store.get('user-1')).toBeUndefined();
  });

  test('keeps each grant under <keyPrefix>tokens:<key>, so prefixes keep apps apart', async () => {
    const prefix = `test-${randomUUID()}:`;
    const store = newStore(prefix);
    const other = newStore();
    await store.set('user-1', tokens(1));
    expect(JSON.parse((await raw.get(`${prefix}tokens:user-1`)) as string)).toEqual(tokens(1));
    expect(await other.get('user-1')).toBeUndefined();
  });

  test('uses hellosign-oauth: as the default prefix', async () => {
    const store = new RedisTokenStore({ url: redis.url });
    stores.push(store);
    const key = `default-prefix-${randomUUID()}`;
    await store.set(key, tokens(1));
    expect(await raw.exists(`hellosign-oauth:tokens:${key}`)).toBe(1);
    await store.delete(key);
  });

  test('a value that is not token JSON is a RedisStoreError that does not echo the value', async () => {
    const prefix = `test-${randomUUID()}:`;
    const store = newStore(prefix);
    await raw.set(`${prefix}tokens:user-1`, 'not json access-token-secret');
    const error = await store.get('user-1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisStoreError);
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as RedisStoreError).code).toBe('OAUTH_REDIS_BAD_VALUE');
    expect(inspect(error)).not.toContain('access-token-secret');
  });

  test('refuses an empty key', async () => {
    await expect(newStore().get('')).rejects.toBeInstanceOf(OAuthValidationError);
    await expect(newStore().runExclusive('', async () => 1)).rejects.toBeInstanceOf(OAuthValidationError);
  });
});

describe('RedisTokenStore.compareAndSet', () => {
  test('writes when the stored grant still holds the expected tokens', async () => {
    const store = newStore();
    await store.set('k', tokens(1));
    expect(await store.compareAndSet('k', tokens(1), tokens(2))).toBe(true);
    expect(await store.get('k')).toEqual(tokens(2));
  });

  test('compares tokens, not expiry or other fields', async () => {
    const store = newStore();
    await store.set('k', tokens(1));
    const sameTokensOtherExpiry = { ...tokens(1), expiresAt: '2020-01-01T00:00:00.000Z', expiresIn: 1 };
    expect(await store.compareAndSet('k', sameTokensOtherExpiry, tokens(2))).toBe(true);
  });

  test.each([
    ['the access token differs', { ...tokens(1), accessToken: 'access-token-other' }],
    ['the refresh token differs', { ...tokens(1), refreshToken: 'refresh-token-other' }],
    ['only the stored grant has a refresh token', withoutRefreshToken(1)],
  ])('does not write when %s', async (_, expected) => {
    const store = newStore();
    await store.set('k', tokens(1));
    expect(await store.compareAndSet('k', expected, tokens(2))).toBe(false);
    expect(await store.get('k')).toEqual(tokens(1));
  });

  test('matches grants without a refresh token', async () => {
    const store = newStore();
    await store.set('k', withoutRefreshToken(1));
    expect(await store.compareAndSet('k', withoutRefreshToken(1), tokens(2))).toBe(true);
  });

  test('does not write when the key is gone (deleted since the refresh started)', async () => {
    const store = newStore();
    expect(await store.compareAndSet('k', tokens(1), tokens(2))).toBe(false);
    expect(await store.get('k')).toBeUndefined();
  });

  test('is atomic: of 40 racing writers over 4 connections expecting the same tokens, exactly one wins', async () => {
    const prefix = `test-${randomUUID()}:`;
    const connections = Array.from({ length: 4 }, () => newStore(prefix));
    await connections[0].set('k', tokens(0));
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => connections[i % 4].compareAndSet('k', tokens(0), tokens(i + 1))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true) + 1;
    expect(await connections[0].get('k')).toEqual(tokens(winner));
  });

  test('an error reply is a RedisStoreError that carries no token', async () => {
    const prefix = `test-${randomUUID()}:`;
    const store = newStore(prefix);
    await raw.hSet(`${prefix}tokens:k`, 'field', 'value');
    const error = await store.compareAndSet('k', tokens(1), tokens(2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisStoreError);
    expect((error as RedisStoreError).code).toBe('OAUTH_REDIS_ERROR');
    expect(inspect(error, { depth: 5 })).not.toMatch(/access-token|refresh-token/);
  });

  test('still works after Redis dropped its script cache (NOSCRIPT)', async () => {
    const store = newStore();
    await store.set('k', tokens(1));
    await raw.scriptFlush();
    expect(await store.compareAndSet('k', tokens(1), tokens(2))).toBe(true);
  });
});

describe('RedisTokenStore options', () => {
  test.each([
    ['neither url nor client', {}],
    ['both url and client', { url: 'redis://127.0.0.1:1', client: {} }],
    ['a non-redis url', { url: 'http://127.0.0.1:6379' }],
    ['a client that is not a node-redis client', { client: {} }],
    ['an unknown option', { url: 'redis://127.0.0.1:1', lockTTL: 5 }],
    ['a lock TTL too short to extend', { url: 'redis://127.0.0.1:1', lockTtlMs: 5 }],
    ['a fractional timeout', { url: 'redis://127.0.0.1:1', commandTimeoutMs: 1.5 }],
    ['a non-string prefix', { url: 'redis://127.0.0.1:1', keyPrefix: 7 }],
  ])('refuses %s', (_, options) => {
    expect(() => new RedisTokenStore(options as never)).toThrow(OAuthValidationError);
  });
});
