import { request } from 'node:http';
import { inspect } from 'node:util';
import { OAuthClient } from '../client/client.js';
import { OAuthApiError, StateMismatchError } from '../client/errors.js';
import { maskToken } from '../internal/redact.js';
import { startMockServer } from '../testing/mock-server.js';
import type { Command } from './command.js';
import type { CliIo } from './io.js';

const ACCESS_TOKEN_TTL_SECONDS = 60;

/** A URL with its `code` masked, for printing (`state` is a CSRF token, not a credential). */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  const code = parsed.searchParams.get('code');
  if (code !== null) parsed.searchParams.set('code', maskToken(code) ?? '');
  return decodeURIComponent(parsed.toString());
}

/** GET without following redirects, as a test harness stands in for the browser. */
function getWithoutRedirect(url: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    })
      .on('error', reject)
      .end();
  });
}

/**
 * The walkthrough behind `npm start`: the whole flow against the mock server, with a simulated
 * clock so expiry takes no time, printed with every secret masked.
 */
export async function runDemo(io: CliIo): Promise<number> {
  const started = performance.now();
  const line = (label: string, text: string) => io.stdout.write(`${label.padEnd(18)}${text}\n`);
  // Real time plus a jump the demo controls: expiry without waiting.
  let skewMs = 0;
  const now = () => Date.now() + skewMs;

  io.stdout.write('hellosign-oauth demo: the OAuth flow against a local mock server (no network, no credentials)\n\n');
  const server = await startMockServer({
    clientId: 'demo-client-id',
    clientSecret: 'demo-client-secret',
    accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS,
    // The demo plays the user itself: consent answers at once instead of showing the page.
    consent: 'approve',
    now,
  });
  try {
    const client = new OAuthClient({
      clientId: server.clientId,
      clientSecret: server.clientSecret,
      baseUrl: server.url,
      apiBaseUrl: server.apiBaseUrl,
      allowInsecureHttp: true,
      now,
    });
    line('1. Mock server', `listening on ${server.url} (access tokens live ${ACCESS_TOKEN_TTL_SECONDS} s)`);
    line('', inspect(client));

    const { url, state } = client.authorizeUrl();
    line('2. Authorize', redactUrl(url));

    const consent = await getWithoutRedirect(url);
    if (consent.status !== 302 || !consent.location) throw new Error(`authorize answered ${consent.status}`);
    const callback = new URL(consent.location);
    line('3. Consent', `GET /oauth/authorize → ${consent.status}, the simulated user approved`);
    line('   callback', redactUrl(callback.toString()));

    const code = callback.searchParams.get('code') ?? '';
    const callbackState = callback.searchParams.get('state') ?? '';
    const tokens = await client.exchangeCode({ code, state: callbackState, expectedState: state });
    line('4. Exchange', 'callback state matches → POST /oauth/token → tokens:');
    line('', inspect(tokens, { breakLength: Number.POSITIVE_INFINITY }));

    const session = client.session(tokens, { refreshMarginSeconds: 5 });
    const first = await session.getAccessToken();
    line('5. Session', `getAccessToken() → ${maskToken(first)} (fresh: no request)`);
    skewMs += (ACCESS_TOKEN_TTL_SECONDS + 1) * 1000;
    line('   clock', `+${ACCESS_TOKEN_TTL_SECONDS + 1} s (simulated): the access token has expired`);
    const second = await session.getAccessToken();
    line('   session', `getAccessToken() → ${maskToken(second)} (refreshed: POST /oauth/token?refresh)`);
    line(
      '   server',
      `new token accepted: ${server.isAccessTokenActive(second)}; old token accepted: ${server.isAccessTokenActive(first)}`,
    );

    server.inject({ type: '429', retryAfter: 0, operation: 'oauthTokenRefresh' });
    const before = server.requests.oauthTokenRefresh;
    session.invalidate(second);
    const third = await session.getAccessToken();
    const attempts = server.requests.oauthTokenRefresh - before;
    line(
      '6. Rate limited',
      `the server answered 429 (Retry-After: 0) once; ${attempts} attempts → ${maskToken(third)}`,
    );

    try {
      await client.exchangeCode({ code, state: callbackState });
      throw new Error('the mock server accepted a used code');
    } catch (error) {
      if (!(error instanceof OAuthApiError)) throw error;
      line('7. Reused code', `${error.name} ${error.status} ${error.code}: ${error.description}`);
      line('', `requiresReauthorization: ${error.requiresReauthorization}`);
    }

    try {
      await client.exchangeCode({ code: server.issueCode({ state }), state: 'forged-state', expectedState: state });
      throw new Error('a forged state was accepted');
    } catch (error) {
      if (!(error instanceof StateMismatchError)) throw error;
      line('8. Forged state', `${error.name} (${error.code}): refused before any request`);
    }

    const account = await session.fetch('/account');
    const { email_address: email } = ((await account.json()) as { account: { email_address: string } }).account;
    line('9. Call the API', `session.fetch('/account') → GET /v3/account ${account.status}: ${email}`);
    const rejected = await session.getAccessToken();
    server.expireAccessToken(rejected);
    line('   server', `expires ${maskToken(rejected)} early: the API will say 401 though the clock says fresh`);
    const refreshesBefore = server.requests.oauthTokenRefresh;
    const retried = await session.fetch('/account');
    const statuses = server
      .apiCalls()
      .slice(-2)
      .map((call) => (call.auth === 'active' ? 200 : 401));
    line(
      '   session',
      `GET /v3/account → ${statuses[0]} → refresh (${server.requests.oauthTokenRefresh - refreshesBefore}) → retry → ${retried.status} with ${maskToken(await session.getAccessToken())}`,
    );

    const counts = server.requests;
    io.stdout.write(
      `\nThe mock server saw: authorize ${counts.authorize}, oauthTokenGenerate ${counts.oauthTokenGenerate}, oauthTokenRefresh ${counts.oauthTokenRefresh}.\n`,
    );
    io.stdout.write(
      `Done in ${((performance.now() - started) / 1000).toFixed(2)} s. Secrets are masked above; nothing left 127.0.0.1.\n`,
    );
    return 0;
  } finally {
    await server.close();
  }
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'walk the whole flow against a local mock server (what npm start runs)',
  help: `Usage: hellosign-oauth demo

Starts the mock server on a free loopback port and walks the OAuth flow with the real client:
authorize URL, simulated consent, code exchange with the state check, a session refreshing
after a simulated expiry, a transient 429, a reused code and a forged state failing with their
typed errors, then a REST API call through session.fetch that survives a 401 (refresh, one
retry). Needs no network and no credentials; secrets are masked in the transcript.`,
  options: {},
  run: (_values, io) => runDemo(io),
};
