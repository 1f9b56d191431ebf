import { DIAGNOSTICS_CHANNELS, type OAuthClient, TokenManager, TokenSet } from '../../src/index.js';
import { MemoryTokenStore } from '../../src/session/store.js';
import { type MockServer, startMockServer } from '../../src/testing/index.js';
import { makeClient, rejectionOf } from '../support.js';
import { recordAll } from './support.js';

const { tokenRequest, sessionRefresh, attempt, lockWait, reauthorizationRequired, rateLimit } = DIAGNOSTICS_CHANNELS;
let server: MockServer;
let recorder: ReturnType<typeof recordAll>;

beforeEach(async () => {
  server = await startMockServer();
  recorder = recordAll();
});
afterEach(async () => {
  recorder.stop();
  await server.close();
});

function client(): OAuthClient {
  return makeClient(server, { timeoutMs: 1_000 });
}

function expired(tokens: { access_token: string; refresh_token: string }): TokenSet {
  return new TokenSet({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token, expiresAt: new Date(0) });
}

describe('token-request TracingChannel', () => {
  it('traces a successful exchange: start, then asyncEnd with status, attempts and duration', async () => {
    const code = server.issueCode({ state: 's1' });
    await client().exchangeCode({ code, state: 's1' });
    const names = recorder.events.filter((e) => e.channel.includes(tokenRequest)).map((e) => e.channel);
    expect(names).toEqual([
      `tracing:${tokenRequest}:start`,
      `tracing:${tokenRequest}:end`,
      `tracing:${tokenRequest}:asyncStart`,
      `tracing:${tokenRequest}:asyncEnd`,
    ]);
    const [start] = recorder.of(`tracing:${tokenRequest}:start`);
    expect(start.snapshot).toEqual({ operation: 'oauthTokenGenerate' });
    const [done] = recorder.of(`tracing:${tokenRequest}:asyncEnd`);
    expect(done.snapshot).toMatchObject({ operation: 'oauthTokenGenerate', status: 200, attempts: 1 });
    expect(done.snapshot.durationMs).toEqual(expect.any(Number));
    expect(done.message.result).toBeUndefined();
  });

  it('traces a failure: error event with the OAuthError, its code, status and attempts', async () => {
    const error = await rejectionOf(client().exchangeCode({ code: 'not-a-code', state: 's' }));
    const [failed] = recorder.of(`tracing:${tokenRequest}:error`);
    expect(failed.snapshot).toMatchObject({ operation: 'oauthTokenGenerate', status: 400, attempts: 1 });
    expect(failed.snapshot.errorCode).toBe((error as unknown as { code: string }).code);
    expect(failed.message.error).toBe(error);
  });
});

describe('attempt channel', () => {
  it('reports each attempt with its status and the retry decision (429: retried; reset: may have acted, not retried)', async () => {
    server.inject({ type: '429', retryAfter: 0, operation: 'oauthTokenRefresh' });
    server.inject({ type: 'reset', operation: 'oauthTokenRefresh' });
    const tokens = server.issueTokens();
    await rejectionOf(client().refresh(tokens.refresh_token));
    const attempts = recorder.of(attempt).map((e) => e.snapshot);
    expect(attempts).toEqual([
      expect.objectContaining({
        operation: 'oauthTokenRefresh',
        attempt: 1,
        status: 429,
        retry: true,
        retryDelayMs: 0,
      }),
      expect.objectContaining({ attempt: 2, errorCode: 'OAUTH_CONNECTION_ERROR', retry: false }),
    ]);
  });

  it('one attempt that succeeds: no retry', async () => {
    const tokens = server.issueTokens();
    await client().refresh(tokens.refresh_token);
    expect(recorder.of(attempt).map((e) => e.snapshot)).toEqual([
      expect.objectContaining({ attempt: 1, status: 200, retry: false }),
    ]);
    const [done] = recorder.of(`tracing:${tokenRequest}:asyncEnd`);
    expect(done.snapshot).toMatchObject({ operation: 'oauthTokenRefresh', attempts: 1, status: 200 });
  });
});

describe('rate-limit channel', () => {
  it('publishes the window each response reported', async () => {
    const tokens = server.issueTokens();
    await client().refresh(tokens.refresh_token);
    const [window] = recorder.of(rateLimit).map((e) => e.snapshot);
    expect(window).toEqual({
      operation: 'oauthTokenRefresh',
      status: 200,
      limit: 1000,
      remaining: expect.any(Number),
      resetAt: expect.any(Number),
    });
    expect(window.resetAt as number).toBeGreaterThan(Date.now() - 1_000);
  });
});

describe('session refreshes, lock waits and reauthorization', () => {
  /** A memory store with a cross-"process" lock that is busy for `busyMs` before each task. */
  class LockingStore extends MemoryTokenStore {
    constructor(readonly busyMs: number) {
      super();
    }
    async runExclusive<T>(_key: string, task: () => Promise<T>): Promise<T> {
      await new Promise((resolve) => setTimeout(resolve, this.busyMs));
      return task();
    }
  }

  it('traces a manager refresh and the time it waited for the store lock', async () => {
    const store = new LockingStore(60);
    const manager = new TokenManager({ client: client(), store });
    await manager.setTokens('user-42', expired(server.issueTokens()));
    await manager.getAccessToken('user-42');
    const [wait] = recorder.of(lockWait).map((e) => e.snapshot);
    expect(wait.key).toBe('user-42');
    expect(wait.waitedMs as number).toBeGreaterThanOrEqual(50);
    const [start] = recorder.of(`tracing:${sessionRefresh}:start`);
    expect(start.snapshot).toEqual({ key: 'user-42' });
    const [done] = recorder.of(`tracing:${sessionRefresh}:asyncEnd`);
    expect(done.snapshot).toEqual({ key: 'user-42', durationMs: expect.any(Number) });
  });

  it('a dead grant publishes reauthorization-required, and the session refresh says so', async () => {
    const tokens = server.issueTokens();
    server.revokeRefreshToken(tokens.refresh_token);
    const session = client().session(expired(tokens));
    await rejectionOf(session.getAccessToken());
    expect(recorder.of(reauthorizationRequired).map((e) => e.snapshot)).toEqual([
      { operation: 'oauthTokenRefresh', status: 400, code: 'invalid_grant' },
    ]);
    const [failed] = recorder.of(`tracing:${sessionRefresh}:error`);
    expect(failed.snapshot).toMatchObject({
      key: 'session',
      errorCode: 'invalid_grant',
      reauthorizationRequired: true,
    });
  });
});
