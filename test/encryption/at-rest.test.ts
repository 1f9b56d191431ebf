/** @requires redis-server postgresql */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { encryptedStore } from '../../src/encryption/index.js';
import { OAuthClient, TokenManager, type TokenSetJSON, type TokenStore } from '../../src/index.js';
import { PostgresTokenStore } from '../../src/postgres/index.js';
import { RedisTokenStore } from '../../src/redis/index.js';
import { storeConformanceChecks } from '../../src/testing/index.js';
import { psql, startPostgres, type TestPostgres } from '../postgres/support.js';
import { startRedis, type TestRedis } from '../redis/support.js';
import { TokenServer } from '../support.js';

/**
 * Encryption over the real databases: what Redis and PostgreSQL hold, read back with their own
 * command-line clients, contains no token in clear, while the stores keep every guarantee.
 */

const KEYS = { old: randomBytes(32).toString('base64'), current: randomBytes(32).toString('base64') };

let redis: TestRedis;
let postgres: TestPostgres;
const table = `encrypted_${randomUUID().replaceAll('-', '')}`;
const redisPrefix = `encrypted-${randomUUID()}:`;
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
  const setup = new PostgresTokenStore({ connectionString: postgres.url, table });
  await setup.ensureSchema();
  await setup.close();
}, 120_000);

afterAll(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
  await Promise.all([redis?.stop(), postgres?.destroy()]);
});

function redisStore(): RedisTokenStore {
  const store = new RedisTokenStore({ url: redis.url, keyPrefix: redisPrefix });
  opened.push(store);
  return store;
}

function postgresStore(): PostgresTokenStore {
  const store = new PostgresTokenStore({ connectionString: postgres.url, table });
  opened.push(store);
  return store;
}

function encrypted(store: TokenStore, currentKeyId: 'old' | 'current' = 'current') {
  return encryptedStore(store, { keys: KEYS, currentKeyId });
}

/** Everything Redis holds under the test's prefix, as `redis-cli` prints it. */
async function redisDump(): Promise<string> {
  const port = new URL(redis.url).port;
  const cli = (...args: string[]) => promisify(execFile)('redis-cli', ['-p', port, '--no-auth-warning', ...args]);
  const { stdout: keys } = await cli('--scan', '--pattern', `${redisPrefix}*`);
  let dump = keys;
  for (const key of keys.split('\n').filter(Boolean)) dump += (await cli('GET', key)).stdout;
  return dump;
}

/** The whole grants table, as `psql` prints it. */
function postgresDump(): Promise<string> {
  return psql(postgres.url, `SELECT key, tokens::text FROM "${table}"`);
}

function tokens(label: string): TokenSetJSON {
  return {
    accessToken: `clear-access-${label}`,
    refreshToken: `clear-refresh-${label}`,
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: '2020-01-01T00:00:00.000Z',
  };
}

/** The conformance kit's factory: an encrypted store, whose connection `dispose` closes after each check. */
function conforming(makeInner: () => TokenStore & { close(): Promise<void> }) {
  const inners = new WeakMap<TokenStore, { close(): Promise<void> }>();
  const factory = () => {
    const inner = makeInner();
    const store = encrypted(inner);
    inners.set(store, inner);
    return store;
  };
  const dispose = (store: TokenStore) => inners.get(store)?.close();
  return { factory, dispose };
}

describe('encryptedStore over RedisTokenStore passes the TokenStore conformance kit', () => {
  const { factory, dispose } = conforming(redisStore);
  const checks = storeConformanceChecks(factory, {
    shared: true,
    requires: ['compareAndSet', 'runExclusive'],
    dispose,
  });
  for (const check of checks) test(check.name, check.run);
});

describe('encryptedStore over PostgresTokenStore passes the TokenStore conformance kit', () => {
  const { factory, dispose } = conforming(postgresStore);
  const checks = storeConformanceChecks(factory, {
    shared: true,
    requires: ['compareAndSet', 'runExclusive'],
    dispose,
  });
  for (const check of checks) test(check.name, check.run);
});

describe.each([
  ['Redis', redisStore, redisDump],
  ['PostgreSQL', postgresStore, postgresDump],
] as const)('tokens encrypted at rest in %s', (_, makeStore, dump) => {
  test('a refresh through TokenManager stores the new tokens, and the database shows no token in clear', async () => {
    const server = new TokenServer({ initialRefreshToken: 'clear-refresh-seed', policy: 'rotate' });
    const baseUrl = await server.listen();
    try {
      const store = encrypted(makeStore());
      const client = new OAuthClient({
        clientId: 'client-id',
        clientSecret: 'client-secret-value',
        baseUrl,
        allowInsecureHttp: true,
        maxRetries: 0,
      });
      const manager = new TokenManager({ client, store });
      const key = `user-${randomUUID()}`;
      await store.set(key, tokens('seed'));

      const accessTokens = await Promise.all(Array.from({ length: 5 }, () => manager.getAccessToken(key)));

      expect(accessTokens).toEqual(Array(5).fill('access-token-1'));
      expect(server.received).toHaveLength(1);
      expect(await store.get(key)).toMatchObject({ accessToken: 'access-token-1', refreshToken: 'refresh-token-1' });
      const held = await dump();
      expect(held).toContain(key);
      expect(held).toContain('hso-enc.v1.current.');
      for (const secret of ['access-token-1', 'refresh-token-1', 'clear-access-seed', 'clear-refresh-seed']) {
        expect(held).not.toContain(secret);
      }
    } finally {
      await server.close();
    }
  });

  test('a grant written under the old key moves to the current one on rotate(), and stays encrypted', async () => {
    const key = `user-${randomUUID()}`;
    await encrypted(makeStore(), 'old').set(key, tokens('rotating'));
    expect(await dump()).toContain('hso-enc.v1.old.');

    const store = encrypted(makeStore());
    const report = await store.rotate([key]);

    expect(report).toEqual({ rotated: 1, current: 0, missing: 0 });
    const held = await dump();
    expect(held).not.toContain('clear-');
    expect(
      await encryptedStore(makeStore(), { keys: { current: KEYS.current }, currentKeyId: 'current' }).get(key),
    ).toEqual(tokens('rotating'));
  });
});

test('rotate() with no arguments re-encrypts every grant of a PostgresTokenStore, which lists its keys', async () => {
  const rotationTable = `rotation_${randomUUID().replaceAll('-', '')}`;
  const inner = new PostgresTokenStore({ connectionString: postgres.url, table: rotationTable });
  opened.push(inner);
  await inner.ensureSchema();
  const old = encrypted(inner, 'old');
  for (let n = 0; n < 3; n++) await old.set(`user-${n}`, tokens(String(n)));

  expect(await encrypted(inner).rotate()).toEqual({ rotated: 3, current: 0, missing: 0 });
  const held = await psql(postgres.url, `SELECT tokens->>'accessToken' FROM "${rotationTable}"`);
  expect(held.trim().split('\n')).toEqual(Array(3).fill(expect.stringMatching(/^hso-enc\.v1\.current\./)));
});
