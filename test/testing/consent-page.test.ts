import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthorizeEndpoint } from '../../src/testing/consent-page.js';
import type { MockServer, MockServerOptions } from '../../src/testing/index.js';
import { closeServers, fakeClock, makeClient, type RawResponse, raw, startServer } from './support.js';

const BROWSER = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8';

/** A mock server that shows its consent page. */
function start(options: MockServerOptions = {}): Promise<MockServer> {
  return startServer({ consent: 'page', appName: 'Acme Contracts', ...options });
}

afterEach(closeServers);

/** A GET as a browser sends it: asking for HTML. */
function browse(url: string): Promise<RawResponse> {
  return raw(url, { accept: BROWSER });
}

/** The fields of the form whose submit button reads `label`, as a browser would post them. */
function formOf(html: string, label: string): URLSearchParams {
  const form = html.split('<form ').find((chunk) => chunk.includes(`<button type="submit">${label}</button>`));
  if (!form) throw new Error(`no form with a ${label} button`);
  const fields = new URLSearchParams();
  for (const [, name, value] of form.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields.append(name as string, value as string);
  }
  return fields;
}

function submit(server: MockServer, fields: URLSearchParams): Promise<RawResponse> {
  return raw(`${server.url}/oauth/authorize`, {
    method: 'POST',
    body: fields.toString(),
    contentType: 'application/x-www-form-urlencoded',
    accept: BROWSER,
  });
}

async function showConsent(server: MockServer, redirectUri = 'https://app.example/cb?keep=1') {
  const { url, state } = makeClient(server).authorizeUrl({ redirectUri });
  const page = await browse(url);
  return { page, state };
}

describe("the consent page (consent: 'page')", () => {
  it('shows the app name as the heading and Approve and Deny buttons, with no script and no redirect', async () => {
    const server = await start();
    const { page } = await showConsent(server);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers.location).toBeUndefined();
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.text).toContain('<h1>Acme Contracts</h1>');
    expect(page.text).toContain('<button type="submit">Approve</button>');
    expect(page.text).toContain('<button type="submit">Deny</button>');
    expect(page.text).toContain('sent back to <strong>https://app.example</strong>');
    expect(page.text).not.toMatch(/<script|javascript:|\son[a-z]+=/i);
    expect(server.requests.authorize).toBe(1);
  });

  it('escapes the app name', async () => {
    const server = await start({ appName: `<script>alert("x")</script> & Co's` });
    const { page } = await showConsent(server);
    expect(page.text).toContain('<h1>&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; Co&#39;s</h1>');
    expect(page.text).not.toContain('<script>');
  });

  it('Approve redirects to redirect_uri with a code the real client can exchange, and the state', async () => {
    const server = await start();
    const { page, state } = await showConsent(server);
    const answer = await submit(server, formOf(page.text, 'Approve'));
    expect(answer.status).toBe(302);
    const callback = new URL(String(answer.headers.location));
    expect(callback.origin + callback.pathname).toBe('https://app.example/cb');
    expect(callback.searchParams.get('keep')).toBe('1');
    expect(callback.searchParams.get('state')).toBe(state);
    const code = callback.searchParams.get('code') ?? '';
    const tokens = await makeClient(server).exchangeCode({ code, state, expectedState: state });
    expect(server.isAccessTokenActive(tokens.accessToken)).toBe(true);
  });

  it('Deny redirects with error=access_denied and the state, and no code', async () => {
    const server = await start();
    const { page, state } = await showConsent(server);
    const answer = await submit(server, formOf(page.text, 'Deny'));
    expect(answer.status).toBe(302);
    const callback = new URL(String(answer.headers.location));
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it('answers a page only once: a second submission (back button, replay) gets a 400 page', async () => {
    const server = await start();
    const { page } = await showConsent(server);
    const fields = formOf(page.text, 'Approve');
    expect((await submit(server, fields)).status).toBe(302);
    const again = await submit(server, fields);
    expect(again.status).toBe(400);
    expect(again.headers.location).toBeUndefined();
    expect(again.text).toContain('expired or was already answered');
  });

  it('cannot be forged into an open redirect: the target comes from the shown request only', async () => {
    const server = await start();
    const { page } = await showConsent(server);
    const forged = formOf(page.text, 'Approve');
    forged.set('redirect_uri', 'https://evil.example/steal');
    forged.set('client_id', server.clientId);
    const answer = await submit(server, forged);
    expect(new URL(String(answer.headers.location)).origin).toBe('https://app.example');

    const noTicket = await submit(
      server,
      new URLSearchParams({ decision: 'approve', client_id: server.clientId, redirect_uri: 'https://evil.example/' }),
    );
    expect(noTicket.status).toBe(400);
    expect(noTicket.headers.location).toBeUndefined();
    const madeUp = await submit(server, new URLSearchParams({ decision: 'approve', ticket: 'guessed-ticket' }));
    expect(madeUp.status).toBe(400);
    expect(madeUp.headers.location).toBeUndefined();
  });

  it('refuses a submission without a decision or not sent as a form, keeping the ticket usable', async () => {
    const server = await start();
    const { page } = await showConsent(server);
    const fields = formOf(page.text, 'Approve');
    const asJson = await raw(`${server.url}/oauth/authorize`, {
      method: 'POST',
      body: JSON.stringify(Object.fromEntries(fields)),
      contentType: 'application/json',
    });
    expect(asJson.status).toBe(400);
    expect(asJson.headers['content-type']).toBe('text/html; charset=utf-8');
    const noDecision = new URLSearchParams(fields);
    noDecision.delete('decision');
    expect((await submit(server, noDecision)).status).toBe(400);
    expect((await submit(server, fields)).status).toBe(302);
  });

  it('expires a page that was not answered within codeTtlSeconds', async () => {
    const clock = fakeClock();
    const server = await start({ now: clock.now, codeTtlSeconds: 60 });
    const { page } = await showConsent(server);
    clock.advance(60_000);
    const late = await submit(server, formOf(page.text, 'Approve'));
    expect(late.status).toBe(400);
    expect(late.headers.location).toBeUndefined();
  });

  it.each([
    ['an unknown client_id', { client_id: 'someone-else' }, 'Unknown client_id.'],
    ['a javascript: redirect_uri', { redirect_uri: 'javascript:alert(1)' }, 'redirect_uri must be'],
    ['a relative redirect_uri', { redirect_uri: '/cb' }, 'redirect_uri must be'],
    ['a redirect_uri with a fragment', { redirect_uri: 'https://app.example/cb#frag' }, 'redirect_uri must be'],
  ])('shows a 400 page for %s, never a redirect', async (_label, override, message) => {
    const server = await start();
    const params = new URLSearchParams({ response_type: 'code', client_id: server.clientId, state: 's' });
    for (const [name, value] of Object.entries(override)) params.set(name, value);
    const response = await browse(`${server.url}/oauth/authorize?${params}`);
    expect(response.status).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.text).toContain('<h1>Authorization error</h1>');
    expect(response.text).toContain(message);
    expect(response.text).not.toContain('<form');
  });
});

describe('automatic consent', () => {
  it("keeps answering at once by default ('approve'), as before", async () => {
    const server = await startServer();
    const { url } = makeClient(server).authorizeUrl();
    const response = await browse(url);
    expect(response.status).toBe(302);
    expect(new URL(String(response.headers.location)).searchParams.get('code')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('shows a browser a 400 page for a bad redirect_uri in automatic mode too', async () => {
    const server = await startServer({ consent: 'approve' });
    const response = await browse(
      `${server.url}/oauth/authorize?response_type=code&client_id=${server.clientId}&redirect_uri=https%3A%2F%2Fapp.example%2F%23x`,
    );
    expect(response.status).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(response.text).toContain('<h1>Authorization error</h1>');
  });
});

describe('createAuthorizeEndpoint', () => {
  it('keeps at most maxPending unanswered pages: past that the oldest is forgotten', async () => {
    const authorize = createAuthorizeEndpoint({
      clientId: 'app',
      appName: 'App',
      consent: 'page',
      defaultRedirectUri: () => 'https://app.example/cb',
      issueCode: () => 'code-1',
      now: Date.now,
      ticketTtlMs: 60_000,
      maxPending: 3,
    });
    const server = createServer((req, res) => {
      void authorize(req, res, new URL(req.url ?? '/', 'http://x').searchParams);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/authorize`;
    const post = (fields: URLSearchParams) =>
      raw(base, { method: 'POST', body: fields.toString(), contentType: 'application/x-www-form-urlencoded' });
    try {
      const pages: RawResponse[] = [];
      for (let shown = 0; shown < 4; shown++) pages.push(await browse(`${base}?response_type=code&client_id=app`));
      expect((await post(formOf((pages[0] as RawResponse).text, 'Approve'))).status).toBe(400);
      for (const page of pages.slice(1)) expect((await post(formOf(page.text, 'Deny'))).status).toBe(302);
    } finally {
      server.close();
    }
  });
});
