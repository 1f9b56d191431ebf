import { request } from 'node:http';
import { type MockServer, startMockServer } from '../../src/testing/index.js';
import { cli, expectOneLineFailure, SECRET } from './support.js';

const TOKEN_KEYS = ['accessToken', 'refreshToken', 'tokenType', 'expiresIn', 'expiresAt', 'state'];
let server: MockServer;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  server = await startMockServer({ clientId: 'cli-test-client', clientSecret: SECRET });
  env = {
    HELLOSIGN_CLIENT_ID: server.clientId,
    HELLOSIGN_CLIENT_SECRET: SECRET,
    HELLOSIGN_OAUTH_BASE_URL: server.url,
  };
});
afterEach(() => server.close());

const insecure = ['--allow-insecure-http'];

function follow(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.headers.location ?? res.statusCode)));
    })
      .on('error', reject)
      .end();
  });
}

describe('hellosign-oauth', () => {
  it('--help lists every command', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    for (const name of ['authorize-url', 'exchange', 'refresh', 'login', 'mock-server', 'demo']) {
      expect(result.stdout).toContain(`  ${name} `);
    }
  });

  it.each(['authorize-url', 'exchange', 'refresh', 'login', 'mock-server', 'demo'])(
    '%s --help prints its usage and exits 0',
    async (name) => {
      const result = await cli([name, '--help']);
      expect(result).toEqual({ code: 0, stdout: expect.stringMatching(`^Usage: hellosign-oauth ${name}`), stderr: '' });
    },
  );

  it('exits 2 with one line for no command, an unknown command or an unknown flag', async () => {
    expect(expectOneLineFailure(await cli([]), 2)).toContain('no command given');
    expect(expectOneLineFailure(await cli(['exchnage']), 2)).toContain('unknown command "exchnage"');
    expect(expectOneLineFailure(await cli(['exchange', '--cod', 'x']), 2)).toContain("'--cod'");
  });

  it('never echoes a flag value in a usage error', async () => {
    const line = expectOneLineFailure(await cli(['exchange', `--client-secrt=${SECRET}`], { env }), 2);
    expect(line).not.toContain(SECRET);
  });
});

describe('authorize-url', () => {
  it('prints the URL and state as JSON, needing no client secret', async () => {
    const result = await cli(['authorize-url', '--state', 'st-1', '--redirect-uri', 'https://app.example/cb'], {
      env: { HELLOSIGN_CLIENT_ID: 'only-the-id' },
    });
    expect(result.code).toBe(0);
    const { url, state } = JSON.parse(result.stdout);
    expect(state).toBe('st-1');
    const parsed = new URL(url);
    expect(parsed.origin + parsed.pathname).toBe('https://app.hellosign.com/oauth/authorize');
    expect(Object.fromEntries(parsed.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'only-the-id',
      state: 'st-1',
      redirect_uri: 'https://app.example/cb',
    });
  });

  it('names the missing variable when there is no client id', async () => {
    const line = expectOneLineFailure(await cli(['authorize-url'], { env: {} }), 1);
    expect(line).toContain('HELLOSIGN_CLIENT_ID');
  });
});

describe('exchange', () => {
  it('prints the token JSON with every field', async () => {
    const code = server.issueCode({ state: 'st' });
    const result = await cli(['exchange', ...insecure, '--code', code, '--state', 'st', '--expected-state', 'st'], {
      env,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const tokens = JSON.parse(result.stdout);
    expect(Object.keys(tokens)).toEqual(TOKEN_KEYS);
    expect(tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600, state: 'st' });
    expect(server.isAccessTokenActive(tokens.accessToken)).toBe(true);
  });

  it('takes credentials and base URL from flags', async () => {
    const code = server.issueCode();
    const flags = ['--client-id', server.clientId, '--client-secret', SECRET, '--base-url', server.url];
    const result = await cli(['exchange', ...insecure, ...flags, '--code', code, '--state', 's'], { env: {} });
    expect(result.code).toBe(0);
  });

  it('fails with the status, code and description on one line for a reused code, and no secret', async () => {
    const code = server.issueCode();
    await cli(['exchange', ...insecure, '--code', code, '--state', 's'], { env });
    const line = expectOneLineFailure(await cli(['exchange', ...insecure, '--code', code, '--state', 's'], { env }), 1);
    expect(line).toBe(
      'hellosign-oauth exchange: Dropbox Sign OAuth request failed with 400 invalid_grant: The authorization code has expired or was already used.',
    );
  });

  it('fails with 401 unauthorized for a wrong secret without printing it', async () => {
    const wrong = 'wrong-secret-value-123';
    const result = await cli(['exchange', ...insecure, '--code', server.issueCode(), '--state', 's'], {
      env: { ...env, HELLOSIGN_CLIENT_SECRET: wrong },
    });
    const line = expectOneLineFailure(result, 1);
    expect(line).toContain('401 unauthorized');
    expect(line).not.toContain(wrong);
  });

  it('refuses a callback state other than the expected one before sending anything', async () => {
    const result = await cli(
      ['exchange', ...insecure, '--code', server.issueCode(), '--state', 'forged', '--expected-state', 'mine'],
      { env },
    );
    expect(expectOneLineFailure(result, 1)).toContain('[OAUTH_STATE_MISMATCH]');
    expect(server.requests.oauthTokenGenerate).toBe(0);
  });

  it('exits 2 when --code is missing', async () => {
    expect(expectOneLineFailure(await cli(['exchange', '--state', 's'], { env }), 2)).toContain('--code is required');
  });

  it('scrubs the secret, the code and tokens from a server answer that echoes them', async () => {
    const code = server.issueCode();
    server.inject({
      type: 'respond',
      status: 400,
      body: JSON.stringify({
        error: 'invalid_request',
        error_description: `bad request code=${code} secret=${SECRET}`,
      }),
      headers: { 'content-type': 'application/json' },
    });
    const line = expectOneLineFailure(await cli(['exchange', ...insecure, '--code', code, '--state', 's'], { env }), 1);
    expect(line).toContain('400 invalid_request: bad request code=[redacted] secret=[redacted]');
  });

  it('reports an HTML 502 from a proxy as one line', async () => {
    server.inject({ type: 'html-502' });
    const result = await cli(['exchange', ...insecure, '--code', server.issueCode(), '--state', 's'], { env });
    expect(expectOneLineFailure(result, 1)).toContain('failed with 502 http_502: 502 Bad Gateway');
  });

  it('reports an unreachable server as one line', async () => {
    await server.close();
    const result = await cli(['exchange', ...insecure, '--code', 'abcdef123456', '--state', 's'], { env });
    const line = expectOneLineFailure(result, 1);
    expect(line).toContain('[OAUTH_CONNECTION_ERROR]');
    expect(line).not.toContain('abcdef123456');
  });

  it('refuses an http base URL without --allow-insecure-http', async () => {
    const result = await cli(['exchange', '--code', server.issueCode(), '--state', 's'], { env });
    expect(expectOneLineFailure(result, 2)).toContain('needs --allow-insecure-http');
  });
});

describe('values that start with a dash', () => {
  // States and tokens are random base64url: one in 64 starts with '-', and must still read as a value.
  it('are taken as the value of the flag before them (state, expected state, client secret)', async () => {
    await server.close();
    server = await startMockServer({ clientId: 'cli-test-client', clientSecret: '-dash-secret-5e0d' });
    const state = '-Xb9dash-state';
    const result = await cli(
      [
        'exchange',
        ...insecure,
        '--base-url',
        server.url,
        '--client-id',
        'cli-test-client',
        '--client-secret',
        '-dash-secret-5e0d',
        '--code',
        server.issueCode({ state }),
        '--state',
        state,
        '--expected-state',
        state,
      ],
      { env: {} },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).state).toBe(state);
  });

  it('are scrubbed from a failure line like any other secret', async () => {
    const result = await cli(
      ['refresh', ...insecure, '--client-secret', '-wrong-secret-77', '--refresh-token', '-not-a-real-refresh-token'],
      { env },
    );
    const line = expectOneLineFailure(result, 1);
    expect(line).toContain('401 unauthorized');
    expect(line).not.toContain('-wrong-secret-77');
    expect(line).not.toContain('-not-a-real-refresh-token');
  });

  it('a flag with nothing after it is still a usage error', async () => {
    expect(expectOneLineFailure(await cli(['exchange', ...insecure, '--code'], { env }), 2)).toContain('--code');
  });
});

describe('refresh', () => {
  it('refreshes with --refresh-token', async () => {
    const grant = server.issueTokens();
    const result = await cli(['refresh', ...insecure, '--refresh-token', grant.refresh_token], { env });
    expect(result.code).toBe(0);
    const tokens = JSON.parse(result.stdout);
    expect(Object.keys(tokens)).toEqual(TOKEN_KEYS);
    expect(tokens).toMatchObject({ refreshToken: grant.refresh_token, state: null });
  });

  it('reads the token JSON exchange printed from stdin', async () => {
    const exchanged = await cli(['exchange', ...insecure, '--code', server.issueCode(), '--state', 's'], { env });
    const result = await cli(['refresh', ...insecure], { env, stdin: exchanged.stdout });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).accessToken).not.toBe(JSON.parse(exchanged.stdout).accessToken);
  });

  it('reads a bare refresh token from stdin', async () => {
    const result = await cli(['refresh', ...insecure], { env, stdin: `${server.issueTokens().refresh_token}\n` });
    expect(result.code).toBe(0);
  });

  it('exits 2 with a hint when there is no refresh token at all', async () => {
    expect(expectOneLineFailure(await cli(['refresh', ...insecure], { env }), 2)).toContain('--refresh-token');
    expect(
      expectOneLineFailure(await cli(['refresh', ...insecure], { env, stdin: '{"accessToken":"a"}' }), 2),
    ).toContain('no refreshToken');
  });

  it('fails with invalid_grant for a revoked refresh token, without printing it', async () => {
    const grant = server.issueTokens();
    server.revokeRefreshToken(grant.refresh_token);
    const result = await cli(['refresh', ...insecure, '--refresh-token', grant.refresh_token], { env });
    const line = expectOneLineFailure(result, 1);
    expect(line).toContain('400 invalid_grant');
    expect(line).not.toContain(grant.refresh_token);
  });
});

describe('login', () => {
  async function login(extra: string[] = []) {
    let visited: Promise<string> | undefined;
    const result = await cli(['login', ...insecure, ...extra], {
      env,
      onStderr: (stderr) => {
        const match = /(http:\/\/\S+\/oauth\/authorize\S*)/.exec(stderr);
        // The browser's part: consent, then the redirect to the one-shot callback server.
        if (match && !visited) visited = follow(match[1]).then((location) => follow(location));
      },
    });
    return { result, page: await visited };
  }

  it('prints the URL, takes the callback, checks state, exchanges and prints tokens', async () => {
    const { result } = await login();
    expect(result.code).toBe(0);
    expect(Object.keys(JSON.parse(result.stdout))).toEqual(TOKEN_KEYS);
    expect(result.stderr).toContain('Waiting for the callback on http://127.0.0.1:');
    expect(server.requests).toMatchObject({ authorize: 1, oauthTokenGenerate: 1 });
  });

  it('fails on one line when the user denies consent', async () => {
    await server.close();
    server = await startMockServer({ clientId: 'cli-test-client', clientSecret: SECRET, consent: 'deny' });
    env.HELLOSIGN_OAUTH_BASE_URL = server.url;
    const { result } = await login();
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n').pop()).toBe(
      'hellosign-oauth login: Authorization was not granted: access_denied (The user denied access to the app.).',
    );
  });

  it('gives up after --timeout', async () => {
    const result = await cli(['login', ...insecure, '--timeout', '0.1'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').pop()).toBe('hellosign-oauth login: No OAuth callback within 0.1 s.');
  });
});

describe('mock-server', () => {
  it('prints where it listens and serves the flow until stopped', async () => {
    const controller = new AbortController();
    let listening: (url: string) => void = () => {};
    const url = new Promise<string>((resolve) => {
      listening = resolve;
    });
    const running = cli(['mock-server', '--client-id', 'own-id', '--client-secret', 'own-secret-123'], {
      signal: controller.signal,
      onStdout: (stdout) => {
        const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(stdout);
        if (match) listening(match[1]);
      },
    });
    try {
      const base = await url;
      const own = { HELLOSIGN_CLIENT_ID: 'own-id', HELLOSIGN_CLIENT_SECRET: 'own-secret-123' };
      const authorize = await cli(['authorize-url', '--base-url', base, ...insecure], { env: own });
      const { url: authorizeUrl, state } = JSON.parse(authorize.stdout);
      const code = new URL(await follow(authorizeUrl)).searchParams.get('code') ?? '';
      const exchanged = await cli(['exchange', '--base-url', base, ...insecure, '--code', code, '--state', state], {
        env: own,
      });
      expect(exchanged.code).toBe(0);
    } finally {
      controller.abort();
    }
    const result = await running;
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('own-secret-123');
  });

  it('exits 2 for a bad port', async () => {
    expect(expectOneLineFailure(await cli(['mock-server', '--port', 'eighty']), 2)).toContain('--port');
  });
});

describe('demo', () => {
  it('walks the whole flow and prints no secret', async () => {
    const result = await cli(['demo']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const step of [
      '1. Mock server',
      '2. Authorize',
      '3. Consent',
      '4. Exchange',
      '5. Session',
      '7. Reused code',
      '9. Call the API',
    ]) {
      expect(result.stdout).toContain(step);
    }
    expect(result.stdout).toContain('BadRequestError 400 invalid_grant');
    expect(result.stdout).toContain('(refreshed: POST /oauth/token?refresh)');
    expect(result.stdout).toMatch(/GET \/v3\/account → 401 → refresh \(1\) → retry → 200/);
    expect(result.stdout).not.toContain('demo-client-secret');
    // Tokens are 43 characters of base64url; only masked prefixes may appear.
    expect(result.stdout).not.toMatch(/[A-Za-z0-9_-]{30,}/);
    expect(result.stdout).not.toMatch(/code=[0-9a-f]{16}/);
  });
});
