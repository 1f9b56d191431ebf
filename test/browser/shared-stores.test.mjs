// The service over Redis and over PostgreSQL (each a real server of the test's own), in Chromium:
// several instances on one machine share the browser's cookies (cookies ignore the port) and the
// store. What the store holds is read around the service: ciphertext only, under the newest key.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startMockServer } from 'hellosign-oauth/testing';
import { exampleDir, prepareExample } from '../../scripts/example-link.mjs';
import { launchChromium } from './chromium.mjs';
import { click, heading, screenshots } from './pages.mjs';

prepareExample();
const helpers = await import(join(exampleDir, 'test', 'helpers.js'));
const { startService } = await import(join(exampleDir, 'src', 'service.js'));
const { rotateTokenKeys } = await import(join(exampleDir, 'src', 'rotation.js'));

const screenshot = screenshots('shared-stores');
const KEY_1 = `k1:${randomBytes(32).toString('base64')}`;
const KEY_2 = `k2:${randomBytes(32).toString('base64')}`;
const SECRET_1 = 'the-first-session-secret-32-characters-or-more';
const SECRET_2 = 'the-second-session-secret-32-characters-or-more';
let chromium;

before(async () => {
  chromium = await launchChromium();
});
after(() => chromium?.close());

for (const mode of helpers.SHARED_STORES) {
  describe(mode.name, () => {
    const started = [];
    const now = helpers.fakeClock();
    let server;
    let mock;
    let store;
    let context;
    let page;

    before(async () => {
      [server, mock] = await Promise.all([mode.start(), startMockServer({ consent: 'page' })]);
      store = await mode.reader(server.url);
      context = await chromium.browser.createBrowserContext();
      page = await context.newPage();
    });
    after(async () => {
      await context?.close();
      await Promise.all(started.map((service) => service.close()));
      await store?.close();
      await mock?.close();
      await server?.stop();
    });

    /** The environment of an instance on the shared store and mock Dropbox Sign. */
    const env = (overrides) =>
      helpers.sharedStoreEnv(
        { mock, mode, url: server.url },
        { TOKEN_KEYS: KEY_1, SESSION_SECRET: SECRET_1, ...overrides },
      );

    async function instance(overrides) {
      const service = await startService({ env: env(overrides), port: 0, now, log: () => {} });
      started.push(service);
      return service;
    }

    async function session() {
      const cookie = (await page.cookies()).find((candidate) => candidate.name === 'hs_session');
      return cookie && { value: cookie.value, key: helpers.grantKeyOf(cookie.value) };
    }

    async function home(service) {
      await page.goto(`${service.url}/`);
      return heading(page);
    }

    test('connected through one instance, served by another; the store holds ciphertext only', async () => {
      const first = await instance();
      await page.goto(`${first.url}/`);
      await click(page, 'Connect Dropbox Sign');
      await click(page, 'Approve');
      assert.equal(await heading(page), 'Connected to Dropbox Sign');
      const second = await instance();
      assert.equal(await home(second), 'Connected to Dropbox Sign');
      await screenshot(page, `${mode.variable}-second-instance`);
      const { key } = await session();
      const tokens = await second.manager.getTokens(key);
      const stored = await store.grant(key);
      assert.match(stored, /hso-enc\.v1\.k1\./);
      assert.ok(!stored.includes(tokens.accessToken) && !stored.includes(tokens.refreshToken));
    });

    test('TOKEN_KEYS rotated (new key first, rotate, old key removed): the browser stays connected', async () => {
      const { key } = await session();
      const report = await rotateTokenKeys(env({ TOKEN_KEYS: `${KEY_2},${KEY_1}` }));
      assert.ok(report.rotated >= 1);
      assert.match(await store.grant(key), /hso-enc\.v1\.k2\./);
      const newKeyOnly = await instance({ TOKEN_KEYS: KEY_2 });
      await page.goto(`${newKeyOnly.url}/account`);
      assert.equal(await heading(page), 'Your Dropbox Sign account');
      await screenshot(page, `${mode.variable}-after-key-rotation`);
    });

    test('SESSION_SECRET rotated (new secret first, old one removed): the browser stays connected', async () => {
      const before = await session();
      const both = await instance({ TOKEN_KEYS: KEY_2, SESSION_SECRET: `${SECRET_2},${SECRET_1}` });
      assert.equal(await home(both), 'Connected to Dropbox Sign');
      const after = await session();
      assert.equal(after.key, before.key, 'the same session');
      assert.notEqual(after.value, before.value, 're-signed with the newest secret');
      const newSecretOnly = await instance({ TOKEN_KEYS: KEY_2, SESSION_SECRET: SECRET_2 });
      assert.equal(await home(newSecretOnly), 'Connected to Dropbox Sign');
    });

    test("a browser that drops its cookies leaves a grant that is swept from the store once the session's 30 days are over", async () => {
      const { key } = await session();
      const service = await instance({ TOKEN_KEYS: KEY_2, SESSION_SECRET: SECRET_2 });
      await context.deleteCookie(...(await page.cookies()));
      assert.equal(await home(service), 'Connect Dropbox Sign', 'the grant has no session any more');
      await screenshot(page, `${mode.variable}-cookies-cleared`);
      assert.ok(await store.grant(key), 'but it is still stored');
      now.advance(30 * 24 * 3600 * 1000 + 1000);
      assert.equal(await service.sweep(), 1);
      assert.equal(await store.grant(key), null);
      assert.equal(await store.sessionEnd(key), null);
    });
  });
}
