// The service against what another site, a forged link or a broken request can do to a signed-in
// user, in a real browser (headless Chromium): the browser applies cookies, SameSite, CSP and
// framing rules as it really does. Another site is http://evil.test:<port> on this machine.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exampleDir, prepareExample } from '../../scripts/example-link.mjs';
import { launchChromium, TEST_HOSTS } from './chromium.mjs';
import { click, heading, otherSite, screenshots } from './pages.mjs';

const screenshot = screenshots('defenses');
let chromium;
let context;
let page;
let service;
let evil;
let grantKeyOf;

before(async () => {
  prepareExample();
  const { startService } = await import(join(exampleDir, 'src', 'service.js'));
  ({ grantKeyOf } = await import(join(exampleDir, 'test', 'helpers.js')));
  service = await startService({ env: {}, port: 0, log: () => {} });
  evil = await otherSite('evil', (path) => {
    if (path === '/prize') {
      return `<h1>You won!</h1><form method="post" action="${service.url}/disconnect"><button>Claim your prize</button></form>`;
    }
    if (path === '/frame') return `<h1>Framed</h1><iframe src="${service.url}/" width="600" height="400"></iframe>`;
    return `<h1>Links</h1><a href="${service.url}/callback?error=access_denied&state=junk">Dropbox Sign says no</a>
<a href="${service.url}/connect">Connect your account</a>`;
  });
  chromium = await launchChromium({ args: [TEST_HOSTS] });
  context = chromium.browser.defaultBrowserContext();
  page = await context.newPage();
});

after(async () => {
  await chromium?.close();
  await evil?.close();
  await service?.close();
});

/** The browser's one tab, on the service's home page, with every cookie of earlier tests gone. */
async function startClean() {
  await context.deleteCookie(...(await context.cookies()));
  await page.goto(`${service.url}/`);
}

/** Connects the browser `tab` belongs to: Connect, then Approve on the consent page. */
async function connect(tab) {
  await tab.goto(`${service.url}/`);
  await click(tab, 'Connect Dropbox Sign');
  await click(tab, 'Approve');
  assert.equal(await heading(tab), 'Connected to Dropbox Sign');
}

async function grantKey(tab) {
  const cookie = (await tab.cookies(service.url)).find((candidate) => candidate.name === 'hs_session');
  return cookie && grantKeyOf(cookie.value);
}

test("another site's form cannot disconnect the user", async () => {
  await startClean();
  await connect(page);
  const key = await grantKey(page);
  await page.goto(`${evil.url}/prize`);
  const response = await click(page, 'Claim your prize');
  assert.equal(response.status(), 403);
  assert.equal(await heading(page), 'This request came from another site');
  await screenshot(page, 'cross-site-disconnect-refused');
  await page.goto(`${service.url}/`);
  assert.equal(await heading(page), 'Connected to Dropbox Sign', 'still signed in');
  assert.equal(await grantKey(page), key, 'the same session');
  assert.ok(await service.manager.getTokens(key), 'the grant is kept');
});

test('a forged "access denied" link does not end the real flow', async () => {
  await startClean();
  await click(page, 'Connect Dropbox Sign');
  assert.ok(page.url().startsWith(`${service.mock.url}/oauth/authorize`));
  // Meanwhile, in another tab, the user follows a link on another site.
  const other = await context.newPage();
  await other.goto(`${evil.url}/`);
  const forged = await click(other, 'Dropbox Sign says no');
  assert.equal(forged.status(), 400);
  assert.equal(await heading(other), 'This sign-in link did not come from this browser');
  await screenshot(other, 'forged-access-denied');
  await click(page, 'Approve');
  assert.equal(await heading(page), 'Connected to Dropbox Sign', 'the real consent still connects');
  await other.close();
});

test("another site's link to /connect shows a button instead of starting a flow", async () => {
  await startClean();
  await page.goto(`${evil.url}/`);
  await click(page, 'Connect your account');
  assert.equal(page.url(), `${service.url}/connect`, 'not sent on to the consent page');
  assert.equal(await heading(page), 'Connect Dropbox Sign');
  assert.deepEqual(await page.cookies(service.url), [], 'no flow started');
  await screenshot(page, 'cross-site-connect');
  await click(page, 'Connect Dropbox Sign');
  assert.ok(page.url().startsWith(`${service.mock.url}/oauth/authorize`), 'a click here starts it');
});

test('two tabs can connect at the same time', async () => {
  await startClean();
  const first = page;
  const second = await context.newPage();
  await second.goto(`${service.url}/`);
  await click(first, 'Connect Dropbox Sign');
  await click(second, 'Connect Dropbox Sign');
  await click(first, 'Approve');
  assert.equal(await heading(first), 'Connected to Dropbox Sign', 'the first tab connects');
  const firstKey = await grantKey(first);
  await click(second, 'Approve');
  assert.equal(await heading(second), 'Connected to Dropbox Sign', 'the second tab connects');
  await screenshot(second, 'second-tab-connected');
  const secondKey = await grantKey(second);
  assert.notEqual(secondKey, firstKey);
  assert.equal(await service.manager.getTokens(firstKey), undefined, 'the replaced grant is forgotten');
  assert.ok(await service.manager.getTokens(secondKey));
  await first.reload();
  assert.equal(await heading(first), 'Connected to Dropbox Sign');
  await second.close();
});

test('every page carries security headers; the callback sends no referrer; no other site can frame it', async () => {
  await startClean();
  const pages = [
    await page.goto(`${service.url}/`),
    await page.goto(`${service.url}/callback?code=abc&state=junk`),
    await page.goto(`${service.url}/nope`),
  ];
  for (const response of pages) {
    const headers = response.headers();
    assert.match(headers['content-security-policy'] ?? '', /default-src 'none'/, response.url());
    assert.match(headers['content-security-policy'], /frame-ancestors 'none'/);
    assert.equal(headers['x-content-type-options'], 'nosniff');
    assert.equal(headers['x-frame-options'], 'DENY');
    assert.equal(headers['referrer-policy'], 'no-referrer');
  }
  // The policy lets the page's own stylesheet through and nothing else.
  assert.equal(await page.$eval('body', (body) => getComputedStyle(body).maxWidth), '640px');
  await page.goto(`${evil.url}/frame`);
  const framed = page.frames().find((frame) => frame !== page.mainFrame());
  // Chromium puts its own error page in the frame instead of the service's page.
  assert.equal(framed.url(), 'chrome-error://chromewebdata/', 'the framed page was not rendered');
  await screenshot(page, 'framing-refused');
});

test('too many cookies get a friendly 431 page', async () => {
  await startClean();
  // 20 cookies of 3.9 KB: more header than the server reads (16 KB), as a buggy sibling app might set.
  const cookies = Array.from({ length: 20 }, (_, i) => ({
    name: `junk${i}`,
    value: 'x'.repeat(3900),
    url: service.url,
  }));
  await context.setCookie(...cookies);
  const response = await page.goto(`${service.url}/`);
  assert.equal(response.status(), 431);
  assert.match(response.headers()['content-type'], /^text\/html/);
  assert.equal(await heading(page), 'Too much data in this request');
  assert.match(response.headers()['content-security-policy'], /frame-ancestors 'none'/);
  await screenshot(page, 'too-many-cookies');
});

test('a malformed address gets a friendly 400 page that never repeats it', async () => {
  await startClean();
  const response = await page.goto(`${service.url}/callback%zz?code=SECRET-CODE-123&state=abc`);
  assert.equal(response.status(), 400);
  assert.match(response.headers()['content-type'], /^text\/html/);
  assert.equal(await heading(page), 'This address is not valid');
  const body = await response.text();
  assert.doesNotMatch(body, /SECRET-CODE-123|code=|%zz/);
  assert.match(response.headers()['content-security-policy'], /frame-ancestors 'none'/);
  await screenshot(page, 'malformed-address');
});
