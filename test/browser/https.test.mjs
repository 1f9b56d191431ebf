// The service behind https, in Chromium: app.example.test is the service behind a TLS front (a
// certificate made by openssl for this test), evil.example.test a sibling subdomain that an
// attacker controls. Over https the service's cookies carry the `__Host-` prefix, which a browser
// accepts only from the host itself: the sibling cannot plant a state of the attacker's in the
// victim's browser and so cannot connect the victim to the attacker's Dropbox Sign account.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exampleDir, prepareExample } from '../../scripts/example-link.mjs';
import { launchChromium, TEST_HOSTS } from './chromium.mjs';
import { click, freePort, heading, screenshots } from './pages.mjs';
import { httpsGet, testCertificate, tlsFront, tlsSite } from './tls.mjs';

const screenshot = screenshots('https');
let certificate;
let front;
let evil;
let service;
let chromium;
let appUrl;
/** What the sibling subdomain sends the victim's browser: set by the attack test. */
let attack = { cookies: [], location: '/' };

before(async () => {
  prepareExample();
  certificate = testCertificate();
  front = await tlsFront(certificate);
  appUrl = `https://app.example.test:${front.port}`;
  evil = await tlsSite(certificate, (_request, response) => {
    response.writeHead(302, { 'set-cookie': attack.cookies, location: attack.location }).end();
  });
  const { startService } = await import(join(exampleDir, 'src', 'service.js'));
  const port = await freePort();
  service = await startService({ env: { PUBLIC_URL: appUrl }, port, log: () => {} });
  front.forwardTo(`http://127.0.0.1:${port}`);
  chromium = await launchChromium({ args: [TEST_HOSTS, certificate.trust] });
});

after(async () => {
  await chromium?.close();
  await service?.close();
  await evil?.close();
  await front?.close();
});

test('over https the cookies are __Host- cookies: Secure, Path=/, this host only', async () => {
  const context = await chromium.browser.createBrowserContext();
  const page = await context.newPage();
  await page.goto(`${appUrl}/`);
  await click(page, 'Connect Dropbox Sign');
  const [flow] = await page.cookies(appUrl);
  assert.match(flow.name, /^__Host-hs_flow_/);
  await click(page, 'Approve');
  assert.equal(await heading(page), 'Connected to Dropbox Sign');
  await screenshot(page, 'connected-over-https');
  const cookies = await page.cookies(appUrl);
  assert.deepEqual(
    cookies.map(({ name, secure, path, domain, httpOnly, sameSite }) => ({
      name,
      secure,
      path,
      domain,
      httpOnly,
      sameSite,
    })),
    [
      {
        name: '__Host-hs_session',
        secure: true,
        path: '/',
        domain: 'app.example.test',
        httpOnly: true,
        sameSite: 'Lax',
      },
    ],
  );
  await context.close();
});

test("a sibling subdomain cannot plant the attacker's state: the victim is not connected to the attacker's account", async () => {
  // The attacker starts a flow of their own and gets the signed state cookie and a code for it.
  const started = await httpsGet(certificate, `${appUrl}/connect`);
  assert.equal(started.status, 302);
  const state = new URL(started.location).searchParams.get('state');
  const code = service.mock.issueCode({ state });
  // The sibling sets those cookies for the whole domain, then sends the victim to the callback
  // with the attacker's code: with and without the prefix, and dressed up to pass for prefixed
  // ones (a nameless cookie whose value starts with the name, a name behind a no-break space,
  // which a parser that trims Unicode white space would take for the prefixed name).
  attack = {
    cookies: started.cookies.flatMap((cookie) => {
      const pair = cookie.split(';')[0];
      const planted = [pair, pair.replace(/^__Host-/, ''), `=${pair}`, `\u00a0${pair}`];
      return planted.map((value) => `${value}; Domain=example.test; Path=/; Secure; HttpOnly; SameSite=Lax`);
    }),
    location: `${appUrl}/callback?code=${code}&state=${state}`,
  };
  const context = await chromium.browser.createBrowserContext();
  const page = await context.newPage();
  const response = await page.goto(`https://evil.example.test:${evil.port}/`);
  assert.notEqual(await heading(page), 'Connected to Dropbox Sign', "connected to the attacker's account");
  assert.ok(page.url().startsWith(`${appUrl}/callback`), page.url());
  assert.equal(response.status(), 400);
  await screenshot(page, 'planted-state-refused');
  await page.goto(`${appUrl}/`);
  assert.equal(await heading(page), 'Connect Dropbox Sign', 'the victim is not connected');
  const names = (await page.cookies(appUrl)).map((cookie) => cookie.name);
  assert.ok(!names.some((name) => name.includes('session')), `no session: ${names}`);
  await context.close();
});
