import { type MockServer, startMockServer } from '../../src/testing/index.js';
import { cli, expectOneLineFailure, SECRET } from './support.js';

// Flags are visible to every user on the machine (ps); each secret must have another way in.
const insecure = ['--allow-insecure-http'];
let server: MockServer;
let base: NodeJS.ProcessEnv;

beforeEach(async () => {
  server = await startMockServer({ clientId: 'secrets-test-client', clientSecret: SECRET });
  base = { HELLOSIGN_CLIENT_ID: server.clientId, HELLOSIGN_OAUTH_BASE_URL: server.url };
});
afterEach(() => server.close());

describe('exchange without the code on the command line', () => {
  it.each([
    ['--code-stdin', ['--code-stdin']],
    ['--code -', ['--code', '-']],
  ])('reads the code from stdin with %s', async (_label, flags) => {
    const code = server.issueCode({ state: 's' });
    const result = await cli(['exchange', ...insecure, ...flags, '--state', 's'], {
      env: { ...base, HELLOSIGN_CLIENT_SECRET: SECRET },
      stdin: `${code}\n`,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(server.isAccessTokenActive(JSON.parse(result.stdout).accessToken)).toBe(true);
  });

  it('reads the code from $HELLOSIGN_OAUTH_CODE', async () => {
    const result = await cli(['exchange', ...insecure, '--state', 's'], {
      env: { ...base, HELLOSIGN_CLIENT_SECRET: SECRET, HELLOSIGN_OAUTH_CODE: server.issueCode() },
    });
    expect(result.code).toBe(0);
  });

  it('reads the client secret from stdin, and scrubs it from a failure', async () => {
    const ok = await cli(['exchange', ...insecure, '--client-secret-stdin', '--state', 's'], {
      env: { ...base, HELLOSIGN_OAUTH_CODE: server.issueCode() },
      stdin: `${SECRET}\n`,
    });
    expect(ok.code).toBe(0);
    const wrong = 'wrong-secret-from-stdin-5b1e';
    const failed = await cli(['exchange', ...insecure, '--client-secret', '-', '--state', 's'], {
      env: { ...base, HELLOSIGN_OAUTH_CODE: server.issueCode() },
      stdin: wrong,
    });
    const line = expectOneLineFailure(failed, 1);
    expect(line).toContain('401 unauthorized');
    expect(line).not.toContain(wrong);
  });

  it('refuses two values from stdin, and a flag given both ways, as usage errors', async () => {
    const env = { ...base, HELLOSIGN_CLIENT_SECRET: SECRET };
    const both = await cli(['exchange', ...insecure, '--code-stdin', '--client-secret-stdin', '--state', 's'], {
      env,
      stdin: 'x',
    });
    expect(expectOneLineFailure(both, 2)).toContain(
      'Only one value can come from stdin, and --code already does; pass --client-secret another way',
    );
    const twice = await cli(['exchange', ...insecure, '--code', 'abc', '--code-stdin', '--state', 's'], { env });
    expect(expectOneLineFailure(twice, 2)).toContain('Give --code or --code-stdin, not both.');
    const empty = await cli(['exchange', ...insecure, '--code-stdin', '--state', 's'], { env, stdin: '\n' });
    expect(expectOneLineFailure(empty, 2)).toContain('--code: stdin was empty.');
  });

  it('names the other ways in its help', async () => {
    const help = (await cli(['exchange', '--help'])).stdout;
    expect(help).toContain('--code-stdin');
    expect(help).toContain('HELLOSIGN_OAUTH_CODE');
    expect(help).toContain('--client-secret-stdin');
  });
});

describe('refresh without secrets on the command line', () => {
  it('reads the refresh token from $HELLOSIGN_OAUTH_REFRESH_TOKEN and the client secret from stdin', async () => {
    const grant = server.issueTokens();
    const result = await cli(['refresh', ...insecure, '--client-secret-stdin'], {
      env: { ...base, HELLOSIGN_OAUTH_REFRESH_TOKEN: grant.refresh_token },
      stdin: SECRET,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).refreshToken).toBe(grant.refresh_token);
  });

  it('reads the refresh token from stdin with --refresh-token -', async () => {
    const grant = server.issueTokens();
    const result = await cli(['refresh', ...insecure, '--refresh-token', '-'], {
      env: { ...base, HELLOSIGN_CLIENT_SECRET: SECRET },
      stdin: JSON.stringify({ refreshToken: grant.refresh_token }),
    });
    expect(result.code).toBe(0);
  });

  it('says which value took stdin when the secret did and the token has no other way in', async () => {
    const result = await cli(['refresh', ...insecure, '--client-secret-stdin'], { env: base, stdin: SECRET });
    const line = expectOneLineFailure(result, 2);
    expect(line).toContain('--client-secret already does; pass --refresh-token another way');
    expect(line).not.toContain(SECRET);
  });
});

describe('mock-server without its secret on the command line', () => {
  it('takes the secret from stdin', async () => {
    const controller = new AbortController();
    let listening: (url: string) => void = () => {};
    const url = new Promise<string>((resolve) => {
      listening = resolve;
    });
    const own = 'mock-secret-from-stdin-0a9f';
    const running = cli(['mock-server', '--client-id', 'stdin-app', '--client-secret-stdin'], {
      stdin: own,
      signal: controller.signal,
      onStdout: (stdout) => {
        const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(stdout);
        if (match) listening(match[1] as string);
      },
    });
    try {
      const mockUrl = await url;
      const grant = await cli(['refresh', ...insecure, '--refresh-token', 'unknown-token'], {
        env: { HELLOSIGN_CLIENT_ID: 'stdin-app', HELLOSIGN_CLIENT_SECRET: own, HELLOSIGN_OAUTH_BASE_URL: mockUrl },
      });
      // Accepted credentials, unknown token: the secret from stdin is the one the server checks.
      expect(expectOneLineFailure(grant, 1)).toContain('400 invalid_grant');
    } finally {
      controller.abort();
    }
    expect((await running).code).toBe(0);
  });
});
