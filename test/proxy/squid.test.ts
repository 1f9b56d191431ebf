/** @requires squid */
import { inspect } from 'node:util';
import { OAuthClient, OAuthProxyError } from '../../src/index.js';
import { type MockServer, startMockServer } from '../../src/testing/index.js';
import { freePort, rejectionOf, SECRET } from '../support.js';
import {
  bundleClient,
  type ClientOutcome,
  runClient,
  scratchDir,
  selfSignedCertificate,
  startSilentProxy,
  startSquid,
  startTlsTerminator,
  type TestSquid,
} from './support.js';

const CLIENT_ID = 'proxy-test-client';
const PROXY_USER = 'alice';
const PROXY_PASSWORD = 'proxy-pa$$word:with/odd@chars-7f3a';
const WRONG_PASSWORD = 'wrong-proxy-password-0c1d2e3f';

let server: MockServer;
let origin: Awaited<ReturnType<typeof startTlsTerminator>>;
let squid: TestSquid;
let denying: TestSquid;
let scratch: ReturnType<typeof scratchDir>;
let bundle: string;
let certFile: string;
let baseUrl: string;

beforeAll(async () => {
  scratch = scratchDir('proxy-');
  const tls = selfSignedCertificate(scratch.path);
  certFile = tls.certFile;
  bundle = bundleClient(scratch.path);
  server = await startMockServer({ clientId: CLIENT_ID, clientSecret: SECRET, rotateRefreshTokens: true });
  origin = await startTlsTerminator(tls, server.port);
  baseUrl = `https://127.0.0.1:${origin.port}`;
  [squid, denying] = await Promise.all([
    startSquid({ users: { [PROXY_USER]: PROXY_PASSWORD } }),
    startSquid({ denyAll: true }),
  ]);
}, 30_000);

afterAll(async () => {
  await Promise.all([squid?.stop(), denying?.stop(), origin?.close(), server?.close()]);
  scratch?.remove();
});

/** Exchange and refresh in a fresh process with `env`, trusting the test origin's certificate. */
function run(env: Record<string, string>, options: Record<string, unknown> = {}): Promise<ClientOutcome> {
  return runClient(
    bundle,
    { NODE_EXTRA_CA_CERTS: certFile, ...env },
    {
      options: { clientId: CLIENT_ID, clientSecret: SECRET, baseUrl, retryBaseDelayMs: 1, ...options },
      code: server.issueCode({ state: 'proxy-state' }),
      state: 'proxy-state',
    },
  );
}

function failure(outcome: ClientOutcome) {
  if (outcome.ok) throw new Error('expected the client to fail, but it succeeded');
  return outcome;
}

function expectNoSecretIn(outcome: ClientOutcome, secrets: string[]) {
  const text = JSON.stringify(outcome);
  for (const secret of [...secrets, SECRET, encodeURIComponent(PROXY_PASSWORD)]) expect(text).not.toContain(secret);
}

function tokenRequests(): number {
  return server.requests.oauthTokenGenerate + server.requests.oauthTokenRefresh;
}

describe('HTTPS through a real squid (CONNECT tunnel)', () => {
  it('exchanges and refreshes through the proxy in HTTPS_PROXY, which sees only host and port', async () => {
    const before = tokenRequests();
    const outcome = await run({ HTTPS_PROXY: squid.urlWith(PROXY_USER, PROXY_PASSWORD) });
    expect(outcome).toEqual({ ok: true, refreshed: true });
    expect(tokenRequests()).toBe(before + 2);
    const log = squid.accessLog();
    expect(log).toMatch(new RegExp(`CONNECT 127\\.0\\.0\\.1:${origin.port} ${PROXY_USER} `));
    expect(log).not.toContain('/oauth/token');
  });

  it('prefers https_proxy over HTTPS_PROXY, as curl does', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const outcome = await run({ https_proxy: squid.urlWith(PROXY_USER, PROXY_PASSWORD), HTTPS_PROXY: down });
    expect(outcome.ok).toBe(true);
  });

  it('a wrong proxy password fails with OAuthProxyError 407 naming the proxy, never the password', async () => {
    const before = tokenRequests();
    const outcome = failure(await run({ HTTPS_PROXY: squid.urlWith(PROXY_USER, WRONG_PASSWORD) }));
    expect(outcome).toMatchObject({ name: 'OAuthProxyError', code: 'OAUTH_PROXY_ERROR', proxyStatus: 407 });
    expect(outcome.proxy).toBe(squid.url);
    expect(outcome.message).toContain(squid.url);
    expect(outcome.message).toContain('407');
    expect(tokenRequests()).toBe(before);
    expectNoSecretIn(outcome, [WRONG_PASSWORD, encodeURIComponent(WRONG_PASSWORD)]);
  });

  it('no credentials for a proxy that requires them: 407', async () => {
    const outcome = failure(await run({ HTTPS_PROXY: squid.url }));
    expect(outcome).toMatchObject({ name: 'OAuthProxyError', proxyStatus: 407, proxy: squid.url });
  });

  it('a proxy whose rules refuse the request: OAuthProxyError 403, not an API error', async () => {
    const outcome = failure(await run({ HTTPS_PROXY: denying.url }));
    expect(outcome).toMatchObject({ name: 'OAuthProxyError', code: 'OAUTH_PROXY_ERROR', proxyStatus: 403 });
    expect(outcome.proxy).toBe(denying.url);
  });

  it('a proxy that is down: a connection error naming the proxy, not the OAuth host', async () => {
    const port = await freePort();
    const before = tokenRequests();
    const outcome = failure(await run({ HTTPS_PROXY: `http://${PROXY_USER}:${WRONG_PASSWORD}@127.0.0.1:${port}` }));
    expect(outcome).toMatchObject({
      name: 'OAuthProxyError',
      code: 'OAUTH_PROXY_ERROR',
      proxy: `http://127.0.0.1:${port}`,
      causeCode: 'ECONNREFUSED',
    });
    expect(outcome.proxyStatus).toBeUndefined();
    expect(outcome.message).toBe(`Could not reach the proxy http://127.0.0.1:${port}.`);
    expect(tokenRequests()).toBe(before);
    expectNoSecretIn(outcome, [WRONG_PASSWORD]);
  });

  it('the timeout covers the tunnel set-up: a proxy that never answers CONNECT times out', async () => {
    const silent = await startSilentProxy();
    try {
      const outcome = failure(await run({ HTTPS_PROXY: silent.url }, { timeoutMs: 400 }));
      expect(outcome).toMatchObject({ name: 'OAuthTimeoutError', code: 'OAUTH_TIMEOUT' });
      expect(outcome.elapsedMs).toBeLessThan(3_000);
    } finally {
      await silent.close();
    }
  });

  it('NO_PROXY exempts a host: the request goes direct although the proxy is down', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const outcome = await run({ HTTPS_PROXY: down, NO_PROXY: 'example.com, 127.0.0.1' });
    expect(outcome.ok).toBe(true);
  });

  it('a NO_PROXY entry for another port does not exempt the host', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const outcome = failure(await run({ HTTPS_PROXY: down, NO_PROXY: `127.0.0.1:${origin.port + 1}` }));
    expect(outcome.name).toBe('OAuthProxyError');
  });

  it('the proxy option overrides the environment', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const lines = squid.accessLog().split('\n').length;
    const outcome = await run({ HTTPS_PROXY: down }, { proxy: squid.urlWith(PROXY_USER, PROXY_PASSWORD) });
    expect(outcome.ok).toBe(true);
    expect(squid.accessLog().split('\n').length).toBeGreaterThan(lines);
  });

  it('proxy: false ignores the environment and connects direct', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const outcome = await run({ HTTPS_PROXY: down, HTTP_PROXY: down }, { proxy: false });
    expect(outcome.ok).toBe(true);
  });
});

describe('plain HTTP (loopback) through a real squid', () => {
  function client(proxy: string): OAuthClient {
    return new OAuthClient({
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      baseUrl: server.url,
      allowInsecureHttp: true,
      retryBaseDelayMs: 1,
      proxy,
    });
  }

  it('sends the request to the proxy in absolute form, with proxy auth', async () => {
    const code = server.issueCode({ state: 'plain' });
    const tokens = await client(squid.urlWith(PROXY_USER, PROXY_PASSWORD)).exchangeCode({ code, state: 'plain' });
    expect(server.isAccessTokenActive(tokens.accessToken)).toBe(true);
    expect(squid.accessLog()).toContain(`POST ${server.url}/oauth/token ${PROXY_USER} `);
  });

  it('a 407 from the proxy is an OAuthProxyError, not the server answering', async () => {
    const code = server.issueCode({ state: 'plain' });
    const error = await rejectionOf<OAuthProxyError>(
      client(squid.urlWith(PROXY_USER, WRONG_PASSWORD)).exchangeCode({ code, state: 'plain' }),
    );
    expect(error).toBeInstanceOf(OAuthProxyError);
    expect(error).toMatchObject({ code: 'OAUTH_PROXY_ERROR', proxyStatus: 407, proxy: squid.url });
    for (const text of [inspect(error, { showHidden: true, depth: 10 }), String(error.stack), JSON.stringify(error)]) {
      expect(text).not.toContain(WRONG_PASSWORD);
      expect(text).not.toContain(SECRET);
    }
  });
});
