// A person's path through examples/service in a real browser (headless Chromium), against the
// running service and the mock Dropbox Sign with its consent page. A screenshot of each step goes
// to .tmp/screenshots/ so a person can look.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exampleDir, prepareExample, root } from '../../scripts/example-link.mjs';
import { launchChromium } from './chromium.mjs';

const screenshots = join(root, '.tmp', 'screenshots');
let chromium;
let page;
let service;
let shot = 0;

async function screenshot(name) {
  shot += 1;
  await page.screenshot({ path: join(screenshots, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
}

/** The browser's session cookie, and the TokenManager key the service keeps its grant under. */
async function session() {
  const cookie = (await page.cookies(service.url)).find((candidate) => candidate.name === 'hs_session');
  return { cookie, key: `user:${cookie.value.slice(0, cookie.value.lastIndexOf('.'))}` };
}

const heading = () => page.$eval('h1', (h1) => h1.textContent.trim());

/** Clicks the link or button whose text (or submit value) is `label`, and waits for the next page. */
async function click(label) {
  const handles = await page.$$('a, button, input[type=submit]');
  for (const handle of handles) {
    const text = await handle.evaluate((el) => (el.value || el.textContent).trim());
    if (text === label) {
      const [response] = await Promise.all([page.waitForNavigation(), handle.click()]);
      return response;
    }
  }
  throw new Error(`No link or button "${label}" on ${page.url()} (h1: ${await heading().catch(() => 'none')}).`);
}

before(async () => {
  prepareExample();
  rmSync(screenshots, { recursive: true, force: true });
  mkdirSync(screenshots, { recursive: true });
  const { startService } = await import(join(exampleDir, 'src', 'service.js'));
  // As `npm run example` runs it: the bundled mock server, with its consent page.
  service = await startService({ env: {}, port: 0, log: () => {} });
  chromium = await launchChromium();
  page = await chromium.browser.newPage();
});

after(async () => {
  await chromium?.close();
  await service?.close();
});

let callbackUrl;

test('connect → consent page → Approve → home shows the account', async () => {
  const callbacks = [];
  const onRequest = (request) => {
    if (request.url().startsWith(`${service.url}/callback`)) callbacks.push(request.url());
  };
  page.on('request', onRequest);
  await page.goto(`${service.url}/`);
  assert.equal(await heading(), 'Connect Dropbox Sign');
  await screenshot('home-not-connected');

  await click('Connect Dropbox Sign');
  assert.ok(page.url().startsWith(`${service.mock.url}/oauth/authorize`), `on the consent page: ${page.url()}`);
  assert.ok((await page.$('form')) !== null, 'the consent page has a form');
  await screenshot('consent-page');

  const response = await click('Approve');
  page.off('request', onRequest);
  assert.equal(response.status(), 200);
  assert.equal(page.url(), `${service.url}/`);
  assert.equal(await heading(), 'Connected to Dropbox Sign');
  assert.match(await page.$eval('#account-email', (el) => el.textContent), /^[^@\s]+@[^@\s]+$/);
  await screenshot('home-connected');
  assert.equal(callbacks.length, 1);
  [callbackUrl] = callbacks;
  const { cookie, key } = await session();
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Lax');
  assert.ok(await service.manager.getTokens(key), 'the grant is in the TokenManager');
});

test('the access token expires → /account still works after one refresh', async () => {
  const refreshes = service.mock.requests.oauthTokenRefresh;
  const tokens = await service.manager.getTokens((await session()).key);
  assert.equal(service.mock.expireAccessToken(tokens.accessToken), true);
  const response = await page.goto(`${service.url}/account`);
  assert.equal(response.status(), 200);
  assert.equal(await heading(), 'Your Dropbox Sign account');
  assert.equal(service.mock.requests.oauthTokenRefresh, refreshes + 1);
  await screenshot('account-after-refresh');
});

test('the callback URL opened again (back button) → a friendly page', async () => {
  const response = await page.goto(callbackUrl);
  assert.equal(response.status(), 400);
  assert.equal(await heading(), 'This sign-in link is no longer valid');
  await screenshot('callback-reused');
});

test('a forged state → 400', async () => {
  await page.goto(`${service.url}/connect`);
  assert.ok(page.url().startsWith(`${service.mock.url}/oauth/authorize`));
  const code = service.mock.issueCode({ state: 'attacker-state' });
  const response = await page.goto(`${service.url}/callback?code=${code}&state=attacker-state`);
  assert.equal(response.status(), 400);
  assert.equal(await heading(), 'This sign-in link did not come from this browser');
  await screenshot('forged-state');
});

test('the grant is revoked → the page offers "Reconnect", which works', async () => {
  const tokens = await service.manager.getTokens((await session()).key);
  // What disconnecting the app in Dropbox Sign's settings does: both tokens stop working.
  assert.equal(service.mock.revokeAccessToken(tokens.accessToken), true);
  assert.equal(service.mock.revokeRefreshToken(tokens.refreshToken), true);
  const response = await page.goto(`${service.url}/`);
  assert.equal(response.status(), 401);
  assert.equal(await heading(), 'Dropbox Sign access was removed');
  await screenshot('grant-revoked');

  await click('Reconnect');
  await click('Approve');
  assert.equal(await heading(), 'Connected to Dropbox Sign');
  await screenshot('reconnected');
});

test('Dropbox Sign down → a "try again" page, and trying again works once it is back', async () => {
  const tokens = await service.manager.getTokens((await session()).key);
  service.mock.expireAccessToken(tokens.accessToken);
  service.mock.inject({ type: '5xx', status: 503, operation: 'oauthTokenRefresh', times: 10 });
  const response = await page.goto(`${service.url}/account`);
  assert.equal(response.status(), 503);
  assert.equal(await heading(), 'Dropbox Sign is not responding');
  await screenshot('dropbox-sign-down');
  service.mock.clearFaults();
  assert.equal((await click('Try again')).status(), 200);
  assert.equal(await heading(), 'Your Dropbox Sign account');
});

test('Deny → a friendly page', async () => {
  await click('Disconnect');
  assert.equal(await heading(), 'Connect Dropbox Sign');
  await click('Connect Dropbox Sign');
  const response = await click('Deny');
  assert.equal(response.status(), 403);
  assert.equal(await heading(), 'Dropbox Sign was not connected');
  assert.ok(page.url().startsWith(`${service.url}/callback?`));
  await screenshot('consent-denied');
});
