// The service end to end over HTTP, against the mock Dropbox Sign bundled with hellosign-oauth:
// each test drives the flow the way a browser does and asserts what the user would see.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as openSocket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startService } from '../src/service.js';
import { Browser, fakeClock, grantKeyOf, parseSetCookies } from './helpers.js';

const quiet = { log: () => {} };
const started = [];

/** A service on a free port against its own mock server, which consents as `consent` says. */
async function serve({ consent = 'approve', ...options } = {}) {
  const service = await startService({ env: {}, port: 0, mock: { consent }, ...quiet, ...options });
  started.push(service);
  return service;
}

after(() => Promise.all(started.map((service) => service.close())));

/** Connects a new browser and returns it with the callback URL it was sent to. */
async function connect(service) {
  const browser = new Browser();
  const { response, visited, html } = await browser.visit(`${service.url}/connect`);
  const callbackUrl = visited.find((url) => url.startsWith(`${service.url}/callback`));
  return { browser, response, html, callbackUrl };
}

/** The page's visible error heading, so assertions read like what the user sees. */
const heading = (html) => /<h1>([^<]*)<\/h1>/.exec(html)?.[1];

function assertFriendly(html) {
  assert.doesNotMatch(html, /\bat .+:\d+:\d+\)?/, 'no stack trace');
  assert.match(html, /<a href="\/">Home<\/a>/);
}

describe('connecting', () => {
  let service;
  before(async () => {
    service = await serve();
  });

  test('home offers to connect when no account is connected', async () => {
    const { response, html } = await new Browser().visit(`${service.url}/`);
    assert.equal(response.status, 200);
    assert.match(html, /<a class="button" href="\/connect">Connect Dropbox Sign<\/a>/);
  });

  test('/connect keeps the state in a signed, HttpOnly, SameSite=Lax cookie of its own and sends it to consent', async () => {
    const browser = new Browser();
    const response = await browser.request(`${service.url}/connect`);
    assert.equal(response.status, 302);
    const consent = new URL(response.headers.get('location'));
    assert.equal(`${consent.origin}${consent.pathname}`, `${service.mock.url}/oauth/authorize`);
    assert.equal(consent.searchParams.get('client_id'), service.mock.clientId);
    assert.equal(consent.searchParams.get('redirect_uri'), `${service.url}/callback`);
    const cookies = Object.entries(parseSetCookies(response));
    assert.equal(cookies.length, 1);
    const [[name, cookie]] = cookies;
    assert.match(name, /^hs_flow_[\w-]{16}$/);
    const state = consent.searchParams.get('state');
    assert.ok(state.length >= 16);
    assert.match(cookie.value, new RegExp(`^\\d+\\.${state}\\.[^.]+$`), 'when it started and the state, signed');
    assert.equal(cookie.attributes.httponly, true);
    assert.equal(cookie.attributes.samesite, 'Lax');
    assert.equal(cookie.attributes.path, '/');
    assert.equal(cookie.attributes['max-age'], '600');
  });

  test('two flows at once each complete, and a sixth replaces the oldest', async () => {
    const browser = new Browser();
    const consents = [];
    for (let i = 0; i < 2; i++)
      consents.push((await browser.request(`${service.url}/connect`)).headers.get('location'));
    for (const consent of consents.reverse()) {
      const { html } = await browser.visit(consent);
      assert.equal(heading(html), 'Connected to Dropbox Sign');
    }
    const flows = [];
    for (let i = 0; i < 6; i++) flows.push((await browser.request(`${service.url}/connect`)).headers.get('location'));
    assert.equal(heading((await browser.visit(flows[0])).html), 'This sign-in link did not come from this browser');
    assert.equal(heading((await browser.visit(flows[5])).html), 'Connected to Dropbox Sign');
  });

  test('a forged "access denied" callback leaves the real flow, which still connects', async () => {
    const browser = new Browser();
    const consent = (await browser.request(`${service.url}/connect`)).headers.get('location');
    const forged = await browser.request(`${service.url}/callback?error=access_denied&state=junk`);
    assert.equal(forged.status, 400);
    assert.deepEqual(forged.headers.getSetCookie(), [], 'no cookie touched');
    assert.equal(heading(await forged.text()), 'This sign-in link did not come from this browser');
    const { html } = await browser.visit(consent);
    assert.equal(heading(html), 'Connected to Dropbox Sign');
  });

  test("another site's link to /connect gets the Connect button and starts no flow", async () => {
    const response = await fetch(`${service.url}/connect`, { headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(response.status, 200);
    assert.equal(heading(await response.text()), 'Connect Dropbox Sign');
    assert.deepEqual(response.headers.getSetCookie(), []);
  });

  test('approving shows the connected account on the home page', async () => {
    const { browser, response, html, callbackUrl } = await connect(service);
    assert.ok(callbackUrl, 'consent redirected to the callback');
    assert.equal(response.status, 200);
    assert.equal(heading(html), 'Connected to Dropbox Sign');
    assert.match(html, /id="account-email">[^<]+@[^<]+</);
    assert.ok(
      await service.manager.getTokens(grantKeyOf(browser.cookie(service.url, 'hs_session'))),
      'the grant is stored',
    );
    const account = await browser.visit(`${service.url}/account`);
    assert.equal(account.response.status, 200);
    assert.match(account.html, /<dt>Account ID<\/dt><dd>[^<]+<\/dd>/);
  });

  test('connecting starts a new session, so a session cookie planted beforehand never sees the account', async () => {
    const attacker = (await connect(service)).browser;
    const planted = attacker.cookie(service.url, 'hs_session');
    const victim = new Browser();
    victim.setCookie(service.url, 'hs_session', planted);
    const { html } = await victim.visit(`${service.url}/connect`);
    assert.equal(heading(html), 'Connected to Dropbox Sign');
    assert.notEqual(victim.cookie(service.url, 'hs_session'), planted);
    const seenByAttacker = await attacker.visit(`${service.url}/`);
    assert.equal(heading(seenByAttacker.html), 'Connect Dropbox Sign');
  });

  test('a forged state gets a 400 page and the code is never exchanged', async () => {
    const browser = new Browser();
    const consent = new URL((await browser.request(`${service.url}/connect`)).headers.get('location'));
    const code = service.mock.issueCode({ state: consent.searchParams.get('state') });
    const exchangesBefore = service.mock.requests.oauthTokenGenerate;
    const { response, html } = await browser.visit(`${service.url}/callback?code=${code}&state=forged`);
    assert.equal(response.status, 400);
    assert.equal(heading(html), 'This sign-in link did not come from this browser');
    assertFriendly(html);
    assert.equal(service.mock.requests.oauthTokenGenerate, exchangesBefore);
  });

  test('a callback without the state cookie (another browser) gets a 400 page', async () => {
    const code = service.mock.issueCode({ state: 'abc' });
    const { response, html } = await new Browser().visit(`${service.url}/callback?code=${code}&state=abc`);
    assert.equal(response.status, 400);
    assert.equal(heading(html), 'This sign-in link is no longer valid');
    assertFriendly(html);
  });

  test('opening the callback URL again (the back button) gets a friendly page, not an error', async () => {
    const { browser, callbackUrl } = await connect(service);
    const again = await browser.visit(callbackUrl);
    assert.equal(again.response.status, 400);
    assert.equal(heading(again.html), 'This sign-in link is no longer valid');
    assertFriendly(again.html);
    const home = await browser.visit(`${service.url}/`);
    assert.equal(heading(home.html), 'Connected to Dropbox Sign', 'the earlier connection still stands');
  });

  test('a code Dropbox Sign already redeemed gets the "already used" page', async () => {
    const browser = new Browser();
    const consent = await browser.request(`${service.url}/connect`);
    const callback = await browser.request(consent.headers.get('location'));
    const callbackUrl = new URL(callback.headers.get('location'));
    // Another tab (or an attacker who saw the URL) got there first.
    await service.client.exchangeCode({
      code: callbackUrl.searchParams.get('code'),
      state: callbackUrl.searchParams.get('state'),
    });
    const { response, html } = await browser.visit(callbackUrl.toString());
    assert.equal(response.status, 400);
    assert.equal(heading(html), 'This sign-in link was already used');
    assert.match(html, /href="\/connect">Connect Dropbox Sign</);
    assertFriendly(html);
  });

  test('a code Dropbox Sign refuses leaves no session listed in the store', async () => {
    const now = fakeClock();
    const own = await serve({ now });
    const browser = new Browser();
    const consent = new URL((await browser.request(`${own.url}/connect`)).headers.get('location'));
    const state = consent.searchParams.get('state');
    const { html } = await browser.visit(`${own.url}/callback?code=not-a-code&state=${state}`);
    assert.equal(heading(html), 'This sign-in link was already used');
    now.advance(31 * 24 * 3600 * 1000);
    assert.equal(await own.sweep(), 0, 'nothing to sweep: the session was never kept');
  });

  test('Dropbox Sign down during the exchange gets a "try again" page', async () => {
    service.mock.inject({ type: 'html-502', operation: 'oauthTokenGenerate', times: 5 });
    try {
      const { response, html } = await connect(service);
      assert.equal(response.status, 503);
      assert.equal(heading(html), 'Dropbox Sign is not responding');
      assert.match(html, /href="\/connect">Connect Dropbox Sign</, 'a way to start again');
      assertFriendly(html);
    } finally {
      service.mock.clearFaults();
    }
  });

  test('an unknown address gets a friendly 404 page', async () => {
    const { response, html } = await new Browser().visit(`${service.url}/nope`);
    assert.equal(response.status, 404);
    assertFriendly(html);
  });

  test('every page carries the security headers, redirects included', async () => {
    const urls = ['/', '/connect', '/callback?code=x&state=y', '/nope', '/disconnect'];
    for (const path of urls) {
      const response = await fetch(`${service.url}${path}`, { redirect: 'manual' });
      const csp = response.headers.get('content-security-policy');
      assert.match(csp, /default-src 'none'/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.match(csp, /form-action 'self'/, path);
      assert.match(csp, /style-src 'sha256-[\w+/=]+'/, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(response.headers.get('strict-transport-security'), null, 'not over plain http');
    }
  });
});

describe('malformed requests', () => {
  let service;
  before(async () => {
    service = await serve();
  });

  /** Sends `request` as raw bytes and returns the raw answer (Node's fetch would refuse to send it). */
  async function raw(request) {
    const { port } = new URL(service.url);
    const socket = openSocket(Number(port), '127.0.0.1');
    const chunks = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.end(request);
    await once(socket, 'close');
    const text = Buffer.concat(chunks).toString();
    const [head, body] = [text.slice(0, text.indexOf('\r\n\r\n')), text.slice(text.indexOf('\r\n\r\n') + 4)];
    return { status: Number(head.split(' ')[1]), head: head.toLowerCase(), body };
  }

  test('a 64 KB cookie gets a friendly 431 page with the security headers', async () => {
    const answer = await raw(`GET / HTTP/1.1\r\nhost: x\r\ncookie: big=${'x'.repeat(64 * 1024)}\r\n\r\n`);
    assert.equal(answer.status, 431);
    assert.match(answer.head, /content-type: text\/html/);
    assert.match(answer.head, /content-security-policy: .*frame-ancestors 'none'/);
    assert.equal(heading(answer.body), 'Too much data in this request');
    assertFriendly(answer.body);
  });

  test('a broken request line gets a friendly 400 page', async () => {
    const answer = await raw('GET /callback?code=SECRET-CODE HTTP/9\r\n\r\n');
    assert.equal(answer.status, 400);
    assert.equal(heading(answer.body), 'Bad request');
    assert.doesNotMatch(answer.body, /SECRET-CODE/);
  });

  test('bad percent-encoding in the path gets a friendly 400 page that never repeats the URL', async () => {
    const response = await fetch(`${service.url}/callback%zz?code=SECRET-CODE&state=abc`);
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type'), /^text\/html/);
    assert.match(response.headers.get('content-security-policy'), /frame-ancestors 'none'/);
    const html = await response.text();
    assert.equal(heading(html), 'This address is not valid');
    assert.doesNotMatch(html, /SECRET-CODE|code=|%zz/);
    assertFriendly(html);
  });

  test('cookies named like flows that the service never set do not break connecting', async () => {
    // As a sibling subdomain can plant over plain http: six of them, names no Set-Cookie can carry.
    const junk = Array.from({ length: 6 }, (_, i) => `hs_flow_a b${i}=x`).join('; ');
    const response = await fetch(`${service.url}/connect`, { redirect: 'manual', headers: { cookie: junk } });
    assert.equal(response.status, 302);
    assert.match(response.headers.get('location'), /\/oauth\/authorize\?/);
    assert.deepEqual(
      Object.keys(parseSetCookies(response)).map((name) => /^hs_flow_[\w-]{16}$/.test(name)),
      [true],
      'its own flow cookie, and the others left alone',
    );
  });

  test('a request Node would answer bare (no Host, an Expect it cannot meet) gets a page with the security headers', async () => {
    const requests = ['GET / HTTP/1.1\r\n\r\n', 'GET / HTTP/1.1\r\nhost: x\r\nexpect: tea\r\n\r\n'];
    for (const request of requests) {
      const answer = await raw(request);
      assert.match(answer.head, /content-security-policy: .*frame-ancestors 'none'/, request);
      assert.equal(heading(answer.body), 'Connect Dropbox Sign', request);
    }
  });

  test('a request that reaches the service while it shuts down still gets its page, with the security headers', async () => {
    const closing = await serve();
    const { browser } = await connect(closing);
    const session = `hs_session=${encodeURIComponent(browser.cookie(closing.url, 'hs_session'))}`;
    // The home page waits for the API; a second request (a load balancer reusing the busy
    // connection) arrives once shutdown has begun.
    closing.mock.inject({ type: 'latency', ms: 300, operation: 'other', times: 1 });
    const socket = openSocket(Number(new URL(closing.url).port), '127.0.0.1');
    const chunks = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    await once(socket, 'connect');
    socket.write(`GET / HTTP/1.1\r\nhost: x\r\ncookie: ${session}\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = closing.close();
    socket.write('GET /disconnect HTTP/1.1\r\nhost: x\r\n\r\n');
    await Promise.all([closed, once(socket, 'close')]);
    const second = Buffer.concat(chunks)
      .toString()
      .split(/(?=HTTP\/1\.1 )/)[1];
    assert.match(second, /^HTTP\/1\.1 200 /);
    assert.match(second, /content-security-policy: .*frame-ancestors 'none'/i);
    assert.equal(heading(second), 'Disconnect Dropbox Sign?');
  });

  test('a form body over 1 KB gets a friendly 413 page', async () => {
    const response = await fetch(`${service.url}/disconnect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: service.url },
      body: 'x'.repeat(2048),
    });
    assert.equal(response.status, 413);
    assertFriendly(await response.text());
  });
});

describe('over https (PUBLIC_URL https://…)', () => {
  test('cookies carry the __Host- prefix and Secure, and pages send Strict-Transport-Security', async () => {
    // TLS ends in front of the service (a load balancer); PUBLIC_URL says browsers use https.
    const service = await serve({ env: { PUBLIC_URL: 'https://app.example.test' } });
    assert.equal(service.url, 'https://app.example.test');
    const connect = await fetch(`${service.localUrl}/connect`, { redirect: 'manual' });
    const [[name, flow]] = Object.entries(parseSetCookies(connect));
    assert.match(name, /^__Host-hs_flow_/);
    assert.equal(flow.attributes.secure, true);
    assert.equal(flow.attributes.path, '/');
    assert.equal(flow.attributes.domain, undefined);
    assert.match(connect.headers.get('strict-transport-security'), /max-age=31536000/);
    assert.match(connect.headers.get('content-security-policy'), /upgrade-insecure-requests/);
  });
});

describe('declining', () => {
  test('denying consent gets a friendly page that offers to connect later', async () => {
    const service = await serve({ consent: 'deny' });
    const { browser, response, html } = await connect(service);
    assert.equal(response.status, 403);
    assert.equal(heading(html), 'Dropbox Sign was not connected');
    assert.match(html, /href="\/connect">Connect Dropbox Sign</);
    assertFriendly(html);
    assert.equal(browser.cookie(service.url, 'hs_session'), undefined, 'no session, so no grant');
  });
});

describe('using the connection', () => {
  test('an access token the API rejects as expired is refreshed once and /account keeps working', async () => {
    const service = await serve();
    const { browser } = await connect(service);
    const key = grantKeyOf(browser.cookie(service.url, 'hs_session'));
    const before = (await service.manager.getTokens(key)).accessToken;
    assert.equal(service.mock.expireAccessToken(before), true);
    const { response, html } = await browser.visit(`${service.url}/account`);
    assert.equal(response.status, 200);
    assert.match(html, /<dt>Email<\/dt><dd>[^<]+@/);
    assert.equal(service.mock.requests.oauthTokenRefresh, 1);
    assert.notEqual((await service.manager.getTokens(key)).accessToken, before);
  });

  test('an access token past its expiry is refreshed before the call, once', async () => {
    const now = fakeClock();
    const service = await serve({ now, mock: { consent: 'approve', accessTokenTtlSeconds: 3600 } });
    const { browser } = await connect(service);
    const key = grantKeyOf(browser.cookie(service.url, 'hs_session'));
    const before = (await service.manager.getTokens(key)).accessToken;
    now.advance(3601 * 1000);
    const { response, html } = await browser.visit(`${service.url}/account`);
    assert.equal(response.status, 200);
    assert.match(html, /<dt>Email<\/dt><dd>[^<]+@/);
    assert.equal(service.mock.requests.oauthTokenRefresh, 1);
    assert.notEqual((await service.manager.getTokens(key)).accessToken, before);
  });

  test('a grant the user revoked gets a page that offers "Reconnect", which works', async () => {
    const service = await serve();
    const { browser } = await connect(service);
    const tokens = await service.manager.getTokens(grantKeyOf(browser.cookie(service.url, 'hs_session')));
    // What disconnecting the app in Dropbox Sign's settings does: both tokens stop working.
    assert.equal(service.mock.revokeAccessToken(tokens.accessToken), true);
    assert.equal(service.mock.revokeRefreshToken(tokens.refreshToken), true);
    const { response, html } = await browser.visit(`${service.url}/`);
    assert.equal(response.status, 401);
    assert.equal(heading(html), 'Dropbox Sign access was removed');
    assert.match(html, /<a class="button" href="\/connect">Reconnect<\/a>/);
    assertFriendly(html);
    const reconnected = await browser.visit(`${service.url}/connect`);
    assert.equal(heading(reconnected.html), 'Connected to Dropbox Sign');
  });

  test('Dropbox Sign down while refreshing gets a "try again" page and keeps the grant', async () => {
    const now = fakeClock();
    const service = await serve({ now });
    const { browser } = await connect(service);
    const key = grantKeyOf(browser.cookie(service.url, 'hs_session'));
    now.advance(2 * 3600 * 1000);
    service.mock.inject({ type: '5xx', status: 503, operation: 'oauthTokenRefresh', times: 5 });
    const down = await browser.visit(`${service.url}/account`);
    assert.equal(down.response.status, 503);
    assert.equal(heading(down.html), 'Dropbox Sign is not responding');
    assert.match(down.html, />Try again</);
    assertFriendly(down.html);
    service.mock.clearFaults();
    const back = await browser.visit(`${service.url}/account`);
    assert.equal(back.response.status, 200);
    assert.ok(await service.manager.getTokens(key));
  });

  test('disconnecting forgets the grant and home offers to connect again', async () => {
    const service = await serve();
    const { browser } = await connect(service);
    const key = grantKeyOf(browser.cookie(service.url, 'hs_session'));
    const { response, html } = await browser.visit(`${service.url}/disconnect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: '',
    });
    assert.equal(response.status, 200);
    assert.match(html, />Connect Dropbox Sign</);
    assert.equal(await service.manager.getTokens(key), undefined);
  });

  test('a POST from another site, or from nowhere it names, is refused and changes nothing', async () => {
    const service = await serve();
    const { browser } = await connect(service);
    const key = grantKeyOf(browser.cookie(service.url, 'hs_session'));
    const others = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'http://evil.test' },
      {},
    ];
    for (const headers of others) {
      const response = await browser.request(`${service.url}/disconnect`, { method: 'POST', headers });
      assert.equal(response.status, 403, JSON.stringify(headers));
      assert.deepEqual(response.headers.getSetCookie(), [], 'no cookie cleared');
      assert.equal(heading(await response.text()), 'This request came from another site');
    }
    assert.ok(await service.manager.getTokens(key), 'still connected');
    const own = await browser.request(`${service.url}/disconnect`, {
      method: 'POST',
      headers: { origin: service.url },
    });
    assert.equal(own.status, 303, 'the Origin of the service itself is enough without Sec-Fetch-Site');
    assert.equal(await service.manager.getTokens(key), undefined);
  });

  test('a session ended 30 days ago: the sweep deletes its grant, and keeps the others', async () => {
    const now = fakeClock();
    const service = await serve({ now });
    const gone = await connect(service);
    const goneKey = grantKeyOf(gone.browser.cookie(service.url, 'hs_session'));
    now.advance(29 * 24 * 3600 * 1000);
    const kept = await connect(service);
    const keptKey = grantKeyOf(kept.browser.cookie(service.url, 'hs_session'));
    assert.equal(await service.sweep(), 0);
    now.advance(24 * 3600 * 1000 + 1000);
    assert.equal(await service.sweep(), 1);
    assert.equal(await service.manager.getTokens(goneKey), undefined, 'the ended session');
    assert.ok(await service.manager.getTokens(keptKey), 'a live session');
  });
});

describe('logs', () => {
  test('no log line holds a secret, whatever Dropbox Sign echoes back in its errors', async (t) => {
    const lines = [];
    t.mock.method(console, 'error', (line) => lines.push(String(line)));
    const now = fakeClock();
    const sessionSecret = 'the-session-secret-of-this-test-32-characters';
    // The service's own logger (no `log` option), as `npm start` runs it.
    const service = await startService({
      env: { SESSION_SECRET: sessionSecret },
      port: 0,
      now,
      mock: { consent: 'approve' },
    });
    started.push(service);
    const secrets = [service.mock.clientSecret, sessionSecret];

    const refused = new Browser();
    const consent = await refused.request(`${service.url}/connect`);
    const callback = new URL((await refused.request(consent.headers.get('location'))).headers.get('location'));
    const code = callback.searchParams.get('code');
    secrets.push(code);
    const echo = `code ${code} client_secret ${service.mock.clientSecret}`;
    service.mock.inject({
      type: 'respond',
      operation: 'oauthTokenGenerate',
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: 'invalid_grant', error_description: echo }),
    });
    assert.equal((await refused.visit(callback.toString())).response.status, 400);

    const { browser } = await connect(service);
    const session = browser.cookie(service.url, 'hs_session');
    const tokens = await service.manager.getTokens(grantKeyOf(session));
    secrets.push(session, tokens.accessToken, tokens.refreshToken);
    now.advance(2 * 3600 * 1000);
    service.mock.inject({
      type: 'respond',
      operation: 'oauthTokenRefresh',
      status: 500,
      headers: { 'content-type': 'text/html' },
      body: `<p>upstream failed for refresh_token=${tokens.refreshToken}&client_secret=${service.mock.clientSecret}</p>`,
    });
    assert.equal((await browser.visit(`${service.url}/account`)).response.status, 503);

    assert.equal(lines.length, 2, lines.join('\n'));
    for (const line of lines) {
      for (const secret of secrets) assert.ok(!line.includes(secret), `${line} holds a secret`);
    }
  });
});
