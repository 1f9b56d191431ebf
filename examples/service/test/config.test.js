import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, readConfig } from '../src/config.js';

const real = {
  HELLOSIGN_CLIENT_ID: 'id',
  HELLOSIGN_CLIENT_SECRET: 'secret-value',
  SESSION_SECRET: 'x'.repeat(32),
};

test('with no HELLOSIGN_* variable it runs against the bundled mock server', () => {
  const config = readConfig({});
  assert.equal(config.mock, true);
  assert.equal(config.port, 3000);
  assert.equal(config.host, '127.0.0.1');
});

test('a configured app needs the client id, the secret and a SESSION_SECRET, named when missing', () => {
  assert.equal(readConfig(real).mock, false);
  for (const name of Object.keys(real)) {
    const env = { ...real, [name]: '' };
    assert.throws(() => readConfig(env), { name: 'ConfigError', message: `${name} is not set.` });
  }
});

test('a short SESSION_SECRET is refused without printing it', () => {
  assert.throws(
    () => readConfig({ ...real, SESSION_SECRET: 'short-secret' }),
    (err) => err instanceof ConfigError && /at least 32/.test(err.message) && !err.message.includes('short-secret'),
  );
});

test('URLs and the port are checked', () => {
  assert.throws(() => readConfig({ ...real, HELLOSIGN_API_BASE_URL: 'ftp://x' }), /HELLOSIGN_API_BASE_URL must be/);
  assert.throws(() => readConfig({ PORT: '70000' }), /PORT must be a port number/);
  assert.equal(readConfig({ ...real, PUBLIC_URL: 'https://app.example/' }).publicUrl, 'https://app.example');
});

test('PUBLIC_URL is an origin: the service serves its root, its cookies are for Path=/, and it is printed', () => {
  assert.equal(readConfig({ ...real, PUBLIC_URL: 'https://app.example:8443' }).publicUrl, 'https://app.example:8443');
  for (const url of ['https://app.example/sign', 'https://app.example/?next=x', 'https://ops:hunter2@app.example']) {
    assert.throws(
      () => readConfig({ ...real, PUBLIC_URL: url }),
      (err) =>
        err instanceof ConfigError &&
        err.message === 'PUBLIC_URL must be an origin, such as https://app.example.com: no path, query or user.',
      url,
    );
  }
});

const key = (bytes = 32) => Buffer.alloc(bytes, 7).toString('base64');

test('SESSION_SECRET takes a list, newest first, each at least 32 characters', () => {
  const secrets = ['n'.repeat(32), 'o'.repeat(40)];
  assert.deepEqual(readConfig({ ...real, SESSION_SECRET: secrets.join(', ') }).sessionSecrets, secrets);
  assert.throws(
    () => readConfig({ ...real, SESSION_SECRET: `${'n'.repeat(32)},short-old-one` }),
    (err) => /at least 32/.test(err.message) && !err.message.includes('short-old-one'),
  );
  assert.throws(
    () => readConfig({ ...real, SESSION_SECRET: `${'n'.repeat(32)},,` }),
    /SESSION_SECRET has an empty entry/,
  );
});

test('a shared store needs TOKEN_KEYS, and takes Redis or PostgreSQL, not both', () => {
  const redis = { ...real, REDIS_URL: 'redis://:hunter2@cache:6379' };
  assert.throws(() => readConfig(redis), {
    message: 'TOKEN_KEYS is not set: with REDIS_URL, refresh tokens are stored encrypted.',
  });
  const postgres = { ...real, DATABASE_URL: 'postgres://app:hunter2@db/app' };
  assert.throws(() => readConfig(postgres), /TOKEN_KEYS is not set: with DATABASE_URL/);
  assert.throws(
    () => readConfig({ ...redis, ...postgres, TOKEN_KEYS: `a:${key()}` }),
    /REDIS_URL or DATABASE_URL, not both/,
  );
  assert.throws(
    () => readConfig({ ...real, DATABASE_URL: 'mysql://db' }),
    /DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL/,
  );
  assert.equal(readConfig({ ...postgres, TOKEN_KEYS: `a:${key()}` }).databaseUrl, postgres.DATABASE_URL);
});

test('TOKEN_KEYS lists <id>:<base64 key>, newest first: the first encrypts, all decrypt', () => {
  const [newest, older] = [key(), Buffer.alloc(32, 9).toString('base64')];
  assert.deepEqual(readConfig({ ...real, TOKEN_KEYS: `2027-05:${newest}, 2026-11:${older}` }).tokenKeys, {
    keys: { '2027-05': newest, '2026-11': older },
    currentKeyId: '2027-05',
  });
});

test('a bad TOKEN_KEYS entry is named by position and id, never by its key', () => {
  const bad = {
    [`a:${key(16)}`]: /entry 1 \(a\) must be 32 bytes in base64/,
    'a:not base64!': /entry 1 \(a\) must be 32 bytes/,
    [key()]: /entry 1 must be <id>:<key>/,
    [`a b:${key()}`]: /entry 1 must be <id>:<key>/,
    [`a:${key()},a:${key()}`]: /entry 2 repeats the key id a/,
  };
  for (const [value, message] of Object.entries(bad)) {
    assert.throws(
      () => readConfig({ ...real, TOKEN_KEYS: value }),
      (err) =>
        err instanceof ConfigError &&
        message.test(err.message) &&
        !err.message.includes(key(16)) &&
        !err.message.includes(key()),
      value,
    );
  }
});
