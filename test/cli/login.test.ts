import { request } from 'node:http';
import { connect } from 'node:net';
import { type MockServer, type MockServerOptions, startMockServer } from '../../src/testing/index.js';
import { waitUntil } from '../support.js';
import { cli, expectOneLineFailure, type Invocation, SECRET } from './support.js';

const insecure = ['--allow-insecure-http'];
let server: MockServer;
let env: NodeJS.ProcessEnv;

async function useServer(options: MockServerOptions = {}) {
  await server?.close();
  server = await startMockServer({ clientId: 'login-test-client', clientSecret: SECRET, ...options });
  env = { HELLOSIGN_CLIENT_ID: server.clientId, HELLOSIGN_CLIENT_SECRET: SECRET, HELLOSIGN_OAUTH_BASE_URL: server.url };
}

beforeEach(() => useServer());
afterEach(() => server.close());

interface Page {
  status: number;
  location: string | undefined;
  text: string;
}

/** One request as a browser tab would send it (no redirect following, a fresh connection). */
function fetchPage(url: string, init: { method?: string; body?: string } = {}): Promise<Page> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, text }));
    });
    req.setHeader('accept', 'text/html');
    if (init.body !== undefined) req.setHeader('content-type', 'application/x-www-form-urlencoded');
    req.on('error', reject).end(init.body);
  });
}

/** Starts `login` and resolves the authorize URL it prints, and where its callback server listens. */
function startLogin(
  extra: string[] = [],
  options: { stdin?: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
) {
  let printed: (url: URL) => void = () => {};
  const authorizeUrl = new Promise<URL>((resolve) => {
    printed = resolve;
  });
  let stderr = '';
  const done: Promise<Invocation> = cli(['login', ...insecure, ...extra], {
    env: options.env ?? env,
    stdin: options.stdin,
    signal: options.signal,
    onStderr: (text) => {
      stderr = text;
      const match = /(http:\/\/\S+\/oauth\/authorize\S*)/.exec(text);
      if (match) printed(new URL(match[1] as string));
    },
  });
  return { done, authorizeUrl, stderr: () => stderr };
}

/** The auto-consenting mock server's answer: the callback URL with code and state. */
async function consentedCallback(authorizeUrl: URL): Promise<string> {
  const consent = await fetchPage(authorizeUrl.toString());
  if (consent.status !== 302 || !consent.location) throw new Error(`authorize answered ${consent.status}`);
  return consent.location;
}

describe('login callback server', () => {
  it('answers a callback with a missing or foreign state with a 400 page and keeps waiting', async () => {
    const login = startLogin();
    const authorizeUrl = await login.authorizeUrl;
    const callbackBase = authorizeUrl.searchParams.get('redirect_uri') as string;

    const stray = await fetchPage(`${callbackBase}?error=access_denied`);
    expect(stray.status).toBe(400);
    expect(stray.text).toContain('does not carry the state of the login in progress');
    const forged = await fetchPage(`${callbackBase}?error=access_denied&state=forged-state`);
    expect(forged.status).toBe(400);
    const forgedCode = await fetchPage(`${callbackBase}?code=${server.issueCode()}&state=forged-state`);
    expect(forgedCode.status).toBe(400);

    const callback = await fetchPage(await consentedCallback(authorizeUrl));
    expect(callback.status).toBe(200);
    expect(callback.text).toContain('Authorized');
    const result = await login.done;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).accessToken).toEqual(expect.any(String));
    expect(result.stderr.match(/Refused a callback that does not carry this login's state/g)).toHaveLength(3);
    expect(server.requests.oauthTokenGenerate).toBe(1);
  });

  it('still ends on a denial that carries the right state', async () => {
    await useServer({ consent: 'deny' });
    const login = startLogin();
    const page = await fetchPage(await consentedCallback(await login.authorizeUrl));
    expect(page.status).toBe(400);
    const result = await login.done;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n').pop()).toBe(
      'hellosign-oauth login: Authorization was not granted: access_denied (The user denied access to the app.).',
    );
  });

  it('answers a second callback that arrives during the exchange', async () => {
    server.inject({ type: 'latency', ms: 400, operation: 'oauthTokenGenerate' });
    const login = startLogin();
    const callbackUrl = await consentedCallback(await login.authorizeUrl);
    const first = fetchPage(callbackUrl);
    await waitUntil(() => server.requests.oauthTokenGenerate === 1, 5_000, 'the exchange to start');
    const second = await fetchPage(callbackUrl);
    expect(second.status).toBe(409);
    expect(second.text).toContain('already has its callback');
    expect((await first).status).toBe(200);
    expect((await login.done).code).toBe(0);
  });
  it('answers a request whose target is not a URL with a 400 and keeps waiting, instead of crashing', async () => {
    const login = startLogin();
    const authorizeUrl = await login.authorizeUrl;
    const callbackBase = new URL(authorizeUrl.searchParams.get('redirect_uri') as string);
    // Any local process can send this absolute-form target; new URL() cannot parse it.
    const statusLine = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(callbackBase.port), '127.0.0.1', () =>
        socket.write('GET http://[/callback HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'),
      );
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk) => {
        answer += chunk;
      });
      socket.on('close', () => resolve(answer.split('\r\n')[0] as string));
      socket.on('error', reject);
    });
    expect(statusLine).toBe('HTTP/1.1 400 Bad Request');

    expect((await fetchPage(await consentedCallback(authorizeUrl))).status).toBe(200);
    expect((await login.done).code).toBe(0);
  });
});

describe('login --timeout', () => {
  it('refuses a timeout past the largest timer as a usage error instead of giving up at once', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const result = await cli(['login', ...insecure, '--timeout', '1e10'], { env });
      expect(expectOneLineFailure(result, 2)).toBe(
        'hellosign-oauth login: --timeout must be a positive number of seconds, at most 2147483 (about 24 days). (see hellosign-oauth login --help)',
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('waits with the largest timeout until interrupted', async () => {
    const controller = new AbortController();
    const login = startLogin(['--timeout', '2147483'], { signal: controller.signal });
    await login.authorizeUrl;
    controller.abort();
    const result = await login.done;
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n').pop()).toBe(
      'hellosign-oauth login: Interrupted before the OAuth callback arrived.',
    );
  });
});

describe('login --callback-path', () => {
  it.each(['/call back', '/callback?x=1', '/callback#top', '/caf\u00e9', '//['])(
    'refuses %j, which no callback could ever match, instead of waiting for one until the timeout',
    async (path) => {
      const result = await cli(['login', ...insecure, '--callback-path', path, '--timeout', '2'], { env });
      expect(expectOneLineFailure(result, 2)).toContain('--callback-path');
    },
  );

  it('accepts a plain nested path', async () => {
    const login = startLogin(['--callback-path', '/oauth/done']);
    const authorizeUrl = await login.authorizeUrl;
    expect(new URL(authorizeUrl.searchParams.get('redirect_uri') as string).pathname).toBe('/oauth/done');
    expect((await fetchPage(await consentedCallback(authorizeUrl))).status).toBe(200);
    expect((await login.done).code).toBe(0);
  });
});

describe('login secrets', () => {
  it('reads the client secret from stdin, never needing it on the command line', async () => {
    const { HELLOSIGN_CLIENT_SECRET: _secret, ...withoutSecret } = env;
    const login = startLogin(['--client-secret-stdin'], { env: withoutSecret, stdin: `${SECRET}\n` });
    await fetchPage(await consentedCallback(await login.authorizeUrl));
    const result = await login.done;
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain(SECRET);
  });
});

describe('login against the consent page', () => {
  /** What a person does on the consent page: find the button's form and submit it. */
  async function click(page: Page, label: string): Promise<Page> {
    const form = page.text.split('<form ').find((chunk) => chunk.includes(`>${label}</button>`));
    if (!form) throw new Error(`no ${label} button on the page`);
    const fields = new URLSearchParams();
    for (const [, name, value] of form.matchAll(/name="([^"]*)" value="([^"]*)"/g)) {
      fields.append(name as string, value as string);
    }
    return fetchPage(`${server.url}/oauth/authorize`, { method: 'POST', body: fields.toString() });
  }

  it('completes when the user clicks Approve', async () => {
    await useServer({ consent: 'page', appName: 'Terminal Login Test' });
    const login = startLogin();
    const page = await fetchPage((await login.authorizeUrl).toString());
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Terminal Login Test</h1>');
    const approved = await click(page, 'Approve');
    expect(approved.status).toBe(302);
    expect((await fetchPage(approved.location as string)).status).toBe(200);
    const result = await login.done;
    expect(result.code).toBe(0);
    expect(Object.keys(JSON.parse(result.stdout))).toContain('refreshToken');
  });

  it('fails on one line when the user clicks Deny', async () => {
    await useServer({ consent: 'page' });
    const login = startLogin();
    const denied = await click(await fetchPage((await login.authorizeUrl).toString()), 'Deny');
    expect((await fetchPage(denied.location as string)).status).toBe(400);
    const result = await login.done;
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n').pop()).toContain('Authorization was not granted: access_denied');
  });
});
