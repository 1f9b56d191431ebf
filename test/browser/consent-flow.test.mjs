// A person's path through examples/service in a real browser (headless Chromium), against the
// running service and the mock Dropbox Sign with its consent page. A screenshot of each step goes
// to .tmp/screenshots/consent-flow/ so a person can look.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exampleDir, prepareExample } from '../../scripts/example-link.mjs';
import { launchChromium } from './chromium.mjs';
import { click, heading, screenshots } from './pages.mjs';

const screenshot = screenshots('consent-flow');
let chromium;
let page;
let service;
let grantKeyOf;

/** The TokenManager key of the grant this browser's session cookie points to. */
async function grantKey() {
  const cookie = (await page.cookies(service.url)).find((candidate) => candidate.name === 'hs_session');
  return grantKeyOf(cookie.value);
}

before(async () => {
  prepareExample();
  const { startService } = await import(join(exampleDir, 'src', 'service.js'));
  ({ grantKeyOf } = await import(join(exampleDir, 'test', 'helpers.js')));
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

/** Records the URLs of the callbacks the browser requests while `steps` run. */
async function callbacksDuring(steps) {
  const callbacks = [];
  const onRequest = (request) => {
    if (request.url().startsWith(`${service.url}/callback`)) callbacks.push(request.url());
  };
  page.on('request', onRequest);
  try {
    await steps();
  } finally {
    page.off('request', onRequest);
  }
  return callbacks;
}

test('connect → consent page → Approve → home shows the account', async () => {
  const callbacks = await callbacksDuring(async () => {
    await page.goto(`${service.url}/`);
    assert.equal(await heading(page), 'Connect Dropbox Sign');
    await screenshot(page, 'home-not-connected');

    await click(page, 'Connect Dropbox Sign');
    assert.ok(page.url().startsWith(`${service.mock.url}/oauth/authorize`), `on the consent page: ${page.url()}`);
    assert.ok((await page.$('form')) !== null, 'the consent page has a form');
    await screenshot(page, 'consent-page');

    const response = await click(page, 'Approve');
    assert.equal(response.status(), 200);
  });
  assert.equal(page.url(), `${service.url}/`);
  assert.equal(await heading(page), 'Connected to Dropbox Sign');
  assert.match(await page.$eval('#account-email', (el) => el.textContent), /^[^@\s]+@[^@\s]+$/);
  await screenshot(page, 'home-connected');
  assert.equal(callbacks.length, 1);
  [callbackUrl] = callbacks;
  const cookie = (await page.cookies(service.url)).find((candidate) => candidate.name === 'hs_session');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Lax');
  assert.ok(await service.manager.getTokens(await grantKey()), 'the grant is in the TokenManager');
});

test('Back to the consent page, then Approve again → a second code, which the service refuses', async () => {
  const exchanges = service.mock.requests.oauthTokenGenerate;
  const callbacks = await callbacksDuring(async () => {
    // The consent page is sent with Cache-Control: no-store, so Back loads it again: a new ticket.
    await page.goBack();
    assert.ok(page.url().startsWith(`${service.mock.url}/oauth/authorize`), `back on the consent page: ${page.url()}`);
    await screenshot(page, 'consent-page-again');
    const response = await click(page, 'Approve');
    assert.equal(response.status(), 400);
  });
  assert.equal(callbacks.length, 1);
  const [first, second] = [callbackUrl, callbacks[0]].map((url) => new URL(url).searchParams);
  assert.equal(second.get('state'), first.get('state'));
  assert.notEqual(second.get('code'), first.get('code'), 'the mock server issued a second code');
  assert.equal(await heading(page), 'This sign-in link is no longer valid');
  assert.equal(service.mock.requests.oauthTokenGenerate, exchanges, 'the second code was never exchanged');
  await screenshot(page, 'second-approve-refused');
  await page.goto(`${service.url}/`);
  assert.equal(await heading(page), 'Connected to Dropbox Sign', 'the first connection stands');
});

test('the access token expires → /account still works after one refresh', async () => {
  const refreshes = service.mock.requests.oauthTokenRefresh;
  const tokens = await service.manager.getTokens(await grantKey());
  assert.equal(service.mock.expireAccessToken(tokens.accessToken), true);
  const response = await page.goto(`${service.url}/account`);
  assert.equal(response.status(), 200);
  assert.equal(await heading(page), 'Your Dropbox Sign account');
  assert.equal(service.mock.requests.oauthTokenRefresh, refreshes + 1);
  await screenshot(page, 'account-after-refresh');
});

test('the callback URL opened again (back button) → a friendly page', async () => {
  const response = await page.goto(callbackUrl);
  assert.equal(response.status(), 400);
  assert.equal(await heading(page), 'This sign-in link is no longer valid');
  await screenshot(page, 'callback-reused');
});

test('a forged state → 400', async () => {
  await page.goto(`${service.url}/connect`);
  assert.ok(page.url().startsWith(`${service.mock.url}/oauth/authorize`));
  const code = service.mock.issueCode({ state: 'attacker-state' });
  const response = await page.goto(`${service.url}/callback?code=${code}&state=attacker-state`);
  assert.equal(response.status(), 400);
  assert.equal(await heading(page), 'This sign-in link did not come from this browser');
  await screenshot(page, 'forged-state');
});

test('the grant is revoked → the page offers "Reconnect", which works', async () => {
  const tokens = await service.manager.getTokens(await grantKey());
  // What disconnecting the app in Dropbox Sign's settings does: both tokens stop working.
  assert.equal(service.mock.revokeAccessToken(tokens.accessToken), true);
  assert.equal(service.mock.revokeRefreshToken(tokens.refreshToken), true);
  const response = await page.goto(`${service.url}/`);
  assert.equal(response.status(), 401);
  assert.equal(await heading(page), 'Dropbox Sign access was removed');
  await screenshot(page, 'grant-revoked');

  await click(page, 'Reconnect');
  await click(page, 'Approve');
  assert.equal(await heading(page), 'Connected to Dropbox Sign');
  await screenshot(page, 'reconnected');
});

test('Dropbox Sign down → a "try again" page, and trying again works once it is back', async () => {
  const tokens = await service.manager.getTokens(await grantKey());
  service.mock.expireAccessToken(tokens.accessToken);
  service.mock.inject({ type: '5xx', status: 503, operation: 'oauthTokenRefresh', times: 10 });
  const response = await page.goto(`${service.url}/account`);
  assert.equal(response.status(), 503);
  assert.equal(await heading(page), 'Dropbox Sign is not responding');
  await screenshot(page, 'dropbox-sign-down');
  service.mock.clearFaults();
  assert.equal((await click(page, 'Try again')).status(), 200);
  assert.equal(await heading(page), 'Your Dropbox Sign account');
});

test('Disconnect → home offers to connect; Deny → a friendly page', async () => {
  const key = await grantKey();
  await click(page, 'Disconnect');
  assert.equal(await heading(page), 'Connect Dropbox Sign');
  assert.equal(await service.manager.getTokens(key), undefined, 'the grant is forgotten');
  await click(page, 'Connect Dropbox Sign');
  const response = await click(page, 'Deny');
  assert.equal(response.status(), 403);
  assert.equal(await heading(page), 'Dropbox Sign was not connected');
  assert.ok(page.url().startsWith(`${service.url}/callback?`));
  await screenshot(page, 'consent-denied');
});
