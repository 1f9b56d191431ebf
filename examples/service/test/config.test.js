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
