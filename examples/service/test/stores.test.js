// The service over a shared store, Redis (REDIS_URL) and PostgreSQL (DATABASE_URL), each a real
// server of the test's own, with several instances against one mock Dropbox Sign: grants are
// shared and encrypted at rest, TOKEN_KEYS and SESSION_SECRET rotate without signing anyone out,
// and the grants of ended sessions are swept from the store.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startMockServer } from 'hellosign-oauth/testing';
import { startService } from '../src/service.js';
import { Browser, fakeClock, grantKeyOf, redisForTest, SHARED_STORES, sharedStoreEnv } from './helpers.js';

const exampleDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const KEY_1 = `k1:${randomBytes(32).toString('base64')}`;
const KEY_2 = `k2:${randomBytes(32).toString('base64')}`;
const SECRET_1 = 'the-first-session-secret-32-characters-or-more';
const SECRET_2 = 'the-second-session-secret-32-characters-or-more';

const quiet = { log: () => {} };

for (const mode of SHARED_STORES) {
  describe(mode.name, () => {
    let server;
    let mock;
    let store;
    const started = [];

    before(async () => {
      [server, mock] = await Promise.all([mode.start(), startMockServer()]);
      store = await mode.reader(server.url);
    });
    after(async () => {
      await Promise.all(started.map((service) => service.close()));
      await store?.close();
      await mock?.close();
      await server?.stop();
    });

    /** The environment of an instance against the shared mock Dropbox Sign and store. */
    const env = (overrides) =>
      sharedStoreEnv({ mock, mode, url: server.url }, { TOKEN_KEYS: KEY_1, SESSION_SECRET: SECRET_1, ...overrides });

    async function instance(overrides, options = {}) {
      const service = await startService({ ...quiet, port: 0, env: env(overrides), ...options });
      started.push(service);
      return service;
    }

    /** Connects a new browser through `service`; returns it with its grant key. */
    async function connect(service) {
      const browser = new Browser();
      const { html } = await browser.visit(`${service.url}/connect`);
      assert.match(html, /Connected to Dropbox Sign/);
      return { browser, key: grantKeyOf(browser.cookie(service.url, 'hs_session')) };
    }

    /** What a page of `service` shows this browser: the answer and its heading. */
    async function seen(browser, service, path = '/') {
      const { response, html } = await browser.visit(`${service.url}${path}`);
      return { response, heading: /<h1>([^<]*)<\/h1>/.exec(html)?.[1] };
    }

    test('a grant stored by one instance serves the browser on another, and no token is stored in clear', async () => {
      const first = await instance();
      const second = await instance();
      const { browser, key } = await connect(first);
      const { response, heading } = await seen(browser, second, '/account');
      assert.equal(response.status, 200);
      assert.equal(heading, 'Your Dropbox Sign account');
      const tokens = await first.manager.getTokens(key);
      const stored = await store.grant(key);
      assert.match(stored, /hso-enc\.v1\.k1\./, 'encrypted under the newest key');
      assert.ok(!stored.includes(tokens.accessToken) && !stored.includes(tokens.refreshToken), 'no token in clear');
    });

    test('TOKEN_KEYS rotates: the new key first, `npm run rotate-keys`, then the old key can go', async () => {
      const before = await instance();
      const { browser, key } = await connect(before);
      const { stdout } = await promisify(execFile)(process.execPath, [join(exampleDir, 'src', 'rotate-keys.js')], {
        // Only the service's settings: a REDIS_URL or PG_URL exported for other suites must not leak in.
        env: env({ TOKEN_KEYS: `${KEY_2},${KEY_1}` }),
      });
      assert.match(stdout, /^Re-encrypted [1-9]\d* grant\(s\); \d+ already under the newest key; 0 gone meanwhile\.$/m);
      assert.match(await store.grant(key), /hso-enc\.v1\.k2\./);
      const after = await instance({ TOKEN_KEYS: KEY_2 });
      const { response } = await seen(browser, after, '/account');
      assert.equal(response.status, 200, 'readable with the new key alone');
    });

    test('SESSION_SECRET rotates: a visit re-signs the session with the newest secret, then the old one can go', async () => {
      const old = await instance();
      const { browser } = await connect(old);
      const oldCookie = browser.cookie(old.url, 'hs_session');
      const both = await instance({ SESSION_SECRET: `${SECRET_2},${SECRET_1}` });
      assert.equal((await seen(browser, both)).heading, 'Connected to Dropbox Sign');
      const renewed = browser.cookie(both.url, 'hs_session');
      assert.notEqual(renewed, oldCookie, 'signed again');
      const newOnly = await instance({ SESSION_SECRET: SECRET_2 });
      assert.equal((await seen(browser, newOnly)).heading, 'Connected to Dropbox Sign', 'the re-signed session');
      const stale = new Browser();
      stale.setCookie(newOnly.url, 'hs_session', oldCookie);
      assert.equal((await seen(stale, newOnly)).heading, 'Connect Dropbox Sign', 'a session never re-signed');
    });

    test('the sweep deletes the grants of sessions that ended, from the store itself', async () => {
      const now = fakeClock();
      const service = await instance({}, { now });
      const { key } = await connect(service);
      assert.ok(await store.grant(key));
      assert.ok(await store.sessionEnd(key));
      now.advance(30 * 24 * 3600 * 1000 + 1000);
      assert.ok((await service.sweep()) >= 1);
      assert.equal(await store.grant(key), null);
      assert.equal(await store.sessionEnd(key), null);
    });
  });
}

test('a store it cannot reach or a URL its driver cannot read stops the start, naming the variable and never the URL', async () => {
  const unusable = [
    ['REDIS_URL', 'redis://:pw-123@127.0.0.1:1'],
    ['REDIS_URL', 'redis://:pw-123@127.0.0.1:1/not-a-db-number'],
    ['REDIS_URL', 'redis://app:pw-123%zz@127.0.0.1:1'],
    ['DATABASE_URL', 'postgres://app:pw-123@127.0.0.1:1/app'],
    ['DATABASE_URL', 'postgres://app:pw-123%zz@127.0.0.1:1/app'],
  ];
  for (const [variable, url] of unusable) {
    await assert.rejects(
      startService({ ...quiet, port: 0, env: { [variable]: url, TOKEN_KEYS: KEY_1 } }),
      (err) => err.message.startsWith(`Cannot reach the store at ${variable}: `) && !err.message.includes('pw-123'),
    );
  }
});

test('a frozen Redis fails the callback within seconds, before the code is spent, and the browser stays connected', async () => {
  const redis = await redisForTest();
  const mock = await startMockServer();
  const service = await startService({
    ...quiet,
    port: 0,
    env: sharedStoreEnv(
      { mock, mode: SHARED_STORES[0], url: redis.url },
      { TOKEN_KEYS: KEY_1, SESSION_SECRET: SECRET_1 },
    ),
  });
  try {
    const browser = new Browser();
    await browser.visit(`${service.url}/connect`);
    const connected = browser.cookie(service.url, 'hs_session');
    // Connecting again (another account, or Reconnect), and the store freezes before the callback.
    const consent = await browser.request(`${service.url}/connect`);
    const callback = (await browser.request(consent.headers.get('location'))).headers.get('location');
    const exchanges = mock.requests.oauthTokenGenerate;
    redis.freeze();
    const started = Date.now();
    const { response, html } = await browser.visit(callback);
    assert.ok(Date.now() - started < 5000, `answered after ${Date.now() - started} ms`);
    assert.equal(response.status, 500);
    assert.match(html, /<h1>Something went wrong<\/h1>/);
    assert.equal(mock.requests.oauthTokenGenerate, exchanges, 'the code was not spent on a grant it could not keep');
    redis.thaw();
    assert.equal(browser.cookie(service.url, 'hs_session'), connected, 'the session cookie was not replaced');
    const home = await browser.visit(`${service.url}/`);
    assert.match(home.html, /<h1>Connected to Dropbox Sign<\/h1>/, 'the earlier connection stands');
    assert.equal(await service.sweep(), 0, 'a sweep runs once it is back');
  } finally {
    redis.thaw();
    await service.close();
    await mock.close();
    await redis.stop();
  }
});
