// The service end to end over HTTP, against the mock Dropbox Sign bundled with hellosign-oauth:
// each test drives the flow the way a browser does and asserts what the user would see.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startService } from '../src/service.js';
import { Browser, fakeClock, grantKeyOf, parseSetCookies, redisForTest } from './helpers.js';

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

  test('/connect keeps the state in a signed, HttpOnly, SameSite=Lax cookie and sends it to consent', async () => {
    const browser = new Browser();
    const response = await browser.request(`${service.url}/connect`);
    assert.equal(response.status, 302);
    const consent = new URL(response.headers.get('location'));
    assert.equal(`${consent.origin}${consent.pathname}`, `${service.mock.url}/oauth/authorize`);
    assert.equal(consent.searchParams.get('client_id'), service.mock.clientId);
    assert.equal(consent.searchParams.get('redirect_uri'), `${service.url}/callback`);
    const { hs_oauth_state: cookie } = parseSetCookies(response);
    const state = consent.searchParams.get('state');
    assert.ok(state.length >= 16);
    assert.match(cookie.value, new RegExp(`^${state}\\.[^.]+$`), 'the state, signed');
    assert.equal(cookie.attributes.httponly, true);
    assert.equal(cookie.attributes.samesite, 'Lax');
    assert.equal(cookie.attributes.path, '/callback');
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
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    assert.equal(response.status, 200);
    assert.match(html, />Connect Dropbox Sign</);
    assert.equal(await service.manager.getTokens(key), undefined);
  });
});

describe('several instances behind one Redis', () => {
  let redis;
  before(async () => {
    redis = await redisForTest();
  });
  after(() => redis?.stop());

  test('a grant stored by one instance serves the browser on another', async () => {
    const sessionSecret = 'a-session-secret-shared-by-both-instances';
    const first = await serve({ env: { REDIS_URL: redis.url, SESSION_SECRET: sessionSecret } });
    const mock = first.mock;
    const second = await startService({
      ...quiet,
      port: 0,
      env: {
        REDIS_URL: redis.url,
        SESSION_SECRET: sessionSecret,
        HELLOSIGN_CLIENT_ID: mock.clientId,
        HELLOSIGN_CLIENT_SECRET: mock.clientSecret,
        HELLOSIGN_OAUTH_BASE_URL: mock.url,
        HELLOSIGN_API_BASE_URL: mock.apiBaseUrl,
      },
    });
    started.push(second);
    assert.equal(second.mock, undefined, 'configured by the environment, not the bundled mock');
    const { browser } = await connect(first);
    // Same host, other port: hand the session cookie over as a load balancer would.
    const session = browser.cookie(first.url, 'hs_session');
    const response = await fetch(`${second.url}/account`, {
      headers: { cookie: `hs_session=${encodeURIComponent(session)}` },
    });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /<dt>Email<\/dt><dd>[^<]+@/);
  });
});
