import { inspect } from 'node:util';
import { OAuthClient, TokenManager, TokenSet } from '../../src/index.js';
import { MemoryTokenStore } from '../../src/session/store.js';
import { type Fault, type MockServer, startMockServer } from '../../src/testing/index.js';
import { CORE_TRANSPORTS, renderings, SECRET } from '../support.js';
import { ALL_CHANNEL_NAMES, recordAll } from './support.js';

/** A store with a cross-process lock, so lock waits are published too. */
class LockingStore extends MemoryTokenStore {
  async runExclusive<T>(_key: string, task: () => Promise<T>): Promise<T> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return task();
  }
}

type Scenario = { name: string; fault?: Fault; revoke?: boolean; abort?: boolean };

/**
 * Every fault the mock server can stage, plus a dead grant and a caller's abort. `echoed()` is
 * what the request being faulted sent: the secrets a server or proxy could echo back.
 */
function scenarios(echoed: () => string[]): Scenario[] {
  return [
    { name: 'no fault' },
    { name: 'latency', fault: { type: 'latency', ms: 20 } },
    { name: '429 then retried', fault: { type: '429', retryAfter: 0 } },
    { name: '429 for good', fault: { type: '429', retryAfter: 0, times: Number.POSITIVE_INFINITY } },
    { name: '503 with Retry-After', fault: { type: '5xx', status: 503, retryAfter: 0 } },
    { name: '500', fault: { type: '5xx' } },
    { name: 'html 502', fault: { type: 'html-502' } },
    { name: 'reset', fault: { type: 'reset' } },
    { name: 'silence (timeout)', fault: { type: 'silence' } },
    {
      name: 'a body and headers that echo every secret',
      fault: {
        type: 'respond',
        status: 400,
        get body() {
          return JSON.stringify({ error: { error_msg: `echo ${echoed().join(' ')}`, error_name: 'bad_request' } });
        },
        get headers() {
          return {
            'x-echo': echoed().join(','),
            'x-ratelimit-limit': '10',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': '9999999999',
          };
        },
      },
    },
    { name: 'a dead grant (invalid_grant)', revoke: true },
    { name: 'aborted by the caller', abort: true },
  ];
}

describe.each(CORE_TRANSPORTS)(
  'no secret in any diagnostics payload, through the whole fault matrix (%s)',
  (_, fetch) => {
    let server: MockServer;
    const secrets = new Set<string>([SECRET]);
    /** The secrets the next request sends. */
    let sending: string[] = [];
    const reached = new Set<string>();

    beforeAll(async () => {
      server = await startMockServer({ clientSecret: SECRET, rotateRefreshTokens: true });
    });
    afterAll(() => server.close());

    function client(): OAuthClient {
      return new OAuthClient({
        clientId: server.clientId,
        clientSecret: SECRET,
        baseUrl: server.url,
        allowInsecureHttp: true,
        retryBaseDelayMs: 1,
        timeoutMs: 300,
        ...(fetch ? { fetch } : {}),
      });
    }

    function grant(): TokenSet {
      const tokens = server.issueTokens();
      secrets.add(tokens.access_token).add(tokens.refresh_token);
      return new TokenSet({
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        expiresAt: new Date(0),
      });
    }

    function remember(tokens: TokenSet | undefined): void {
      if (tokens?.accessToken) secrets.add(tokens.accessToken);
      if (tokens?.refreshToken) secrets.add(tokens.refreshToken);
    }

    it.each(scenarios(() => sending))('%s', async (scenario) => {
      const recorder = recordAll();
      try {
        const stage = () => {
          server.clearFaults();
          if (scenario.fault)
            server.inject({
              ...scenario.fault,
              operation: scenario.fault.operation ?? ['oauthTokenGenerate', 'oauthTokenRefresh'],
            } as Fault);
        };
        const signal = scenario.abort ? AbortSignal.abort() : undefined;

        // Exchange.
        const code = server.issueCode({ state: 'state-1' });
        secrets.add(code);
        sending = [SECRET, code];
        stage();
        remember(
          await client()
            .exchangeCode({ code, state: 'state-1', signal })
            .catch(() => undefined),
        );

        // Refresh, on the client.
        const direct = grant();
        if (scenario.revoke) server.revokeRefreshToken(direct.refreshToken as string);
        sending = [SECRET, direct.refreshToken as string];
        stage();
        remember(
          await client()
            .refresh(direct, { signal })
            .catch(() => undefined),
        );

        // Refresh through a manager with a locking store, and through a session.
        const managed = grant();
        if (scenario.revoke) server.revokeRefreshToken(managed.refreshToken as string);
        const manager = new TokenManager({ client: client(), store: new LockingStore() });
        await manager.setTokens('grant-1', managed);
        sending = [SECRET, managed.refreshToken as string];
        stage();
        remember(await manager.getFreshTokens('grant-1').catch(() => undefined));
        const sessionTokens = grant();
        const session = client().session(sessionTokens);
        sending = [SECRET, sessionTokens.refreshToken as string];
        stage();
        await session.getAccessToken().catch(() => undefined);
        remember(session.tokens);
        server.clearFaults();
      } finally {
        recorder.stop();
      }

      expect(recorder.events.length).toBeGreaterThan(0);
      const seen = new Set(recorder.events.map((event) => event.channel));
      for (const name of seen) reached.add(name);
      expect(seen.size).toBeGreaterThanOrEqual(scenario.abort ? 2 : 5);
      for (const event of recorder.events) {
        for (const payload of [event.snapshot, event.message]) {
          const texts = [...renderings(payload), inspect(payload, { showHidden: true, depth: 20, getters: true })];
          const error = (payload as { error?: unknown }).error;
          if (error !== undefined) texts.push(...renderings(error));
          for (const text of texts) {
            for (const secret of secrets) {
              if (text.includes(secret))
                throw new Error(`${event.channel} payload holds a secret: ${text.slice(0, 300)}`);
            }
          }
        }
      }
    });

    it('the matrix reached every channel the package has', () => {
      // A guard for the test itself: a channel nobody exercised could leak unseen.
      expect([...reached].sort()).toEqual([...ALL_CHANNEL_NAMES].sort());
    });
  },
);
