import nock from 'nock';
import {
  InternalServerError,
  OAuthAbortError,
  OAuthClient,
  type OAuthClientOptions,
  OAuthConnectionError,
  OAuthTimeoutError,
  RateLimitError,
  TokenSet,
} from '../../src/index.js';
import { releaseNock } from '../nock-release.js';
import {
  CLIENT_ID,
  CODE,
  expectNoLeak,
  REFRESH_TOKEN,
  recordingLogger,
  rejectionOf,
  SECRET,
  STATE,
  TOKEN_BODY,
  TRANSPORTS,
} from './support.js';

const HOST = 'https://app.hellosign.com';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(releaseNock);

/** Replies with each response in turn and counts the requests that reached the "server". */
function serverSaying(...replies: [number, object | string, Record<string, string>?][]) {
  const seen = { requests: 0 };
  let scope = nock(HOST);
  for (const [status, body, headers] of replies) {
    scope = scope
      .post('/oauth/token')
      .query(true)
      .reply(() => {
        seen.requests += 1;
        return [status, body, headers ?? {}];
      });
  }
  return seen;
}

const tooMany = { error: { error_name: 'exceeded_rate', error_msg: 'Too many requests.' } };
const unavailable = { error: { error_name: 'unavailable', error_msg: 'Down for maintenance.' } };

describe.each(TRANSPORTS.slice(0, 2))('retries over %s', (_name, fetch) => {
  function client(options: Partial<OAuthClientOptions> = {}) {
    return new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, fetch, retryBaseDelayMs: 1, ...options });
  }

  it('retries a 429 without Retry-After with backoff, then succeeds', async () => {
    const server = serverSaying([429, tooMany], [429, tooMany], [200, TOKEN_BODY]);
    const tokens = await client().exchangeCode({ code: CODE, state: STATE });
    expect(tokens).toBeInstanceOf(TokenSet);
    expect(server.requests).toBe(3);
  });

  it('gives up after maxRetries and reports the last 429 as RateLimitError', async () => {
    const server = serverSaying([429, tooMany], [429, tooMany], [429, tooMany, { 'retry-after': '0' }]);
    const error = await rejectionOf(client({ maxRetries: 2 }).refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(0);
    expect(server.requests).toBe(3);
    expectNoLeak(error);
  });

  it('sends exactly one request when maxRetries is 0', async () => {
    const server = serverSaying([429, tooMany], [200, TOKEN_BODY]);
    await expect(client({ maxRetries: 0 }).refresh(REFRESH_TOKEN)).rejects.toBeInstanceOf(RateLimitError);
    expect(server.requests).toBe(1);
  });

  it('waits the Retry-After seconds of a 503, then retries', async () => {
    const { logger, lines } = recordingLogger();
    const server = serverSaying([503, unavailable, { 'retry-after': '1' }], [200, TOKEN_BODY]);
    const tokens = await client({ logger }).refresh(REFRESH_TOKEN);
    expect(tokens.accessToken).toBe(TOKEN_BODY.access_token);
    expect(server.requests).toBe(2);
    expect(lines.some((line) => line.startsWith('warn') && line.includes('"delayMs":1000'))).toBe(true);
  });

  it('honours a Retry-After HTTP-date on a 429, counted from the client clock', async () => {
    const { logger, lines } = recordingLogger();
    const retryAt = 'Wed, 21 Oct 2015 07:28:00 GMT';
    const now = () => Date.parse(retryAt) - 40;
    const server = serverSaying([429, tooMany, { 'retry-after': retryAt }], [200, TOKEN_BODY]);
    await client({ logger, now }).exchangeCode({ code: CODE, state: STATE });
    expect(server.requests).toBe(2);
    expect(lines.some((line) => line.startsWith('warn') && line.includes('"delayMs":40'))).toBe(true);
  });

  it('does not wait for a Retry-After beyond maxRetryAfterMs: the error comes back at once', async () => {
    const server = serverSaying([503, unavailable, { 'retry-after': '120' }], [200, TOKEN_BODY]);
    const error = await rejectionOf(client({ maxRetryAfterMs: 60_000 }).refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(InternalServerError);
    expect(server.requests).toBe(1);
  });

  it('reports a capped 429 with its retryAfterMs so the caller can schedule it', async () => {
    const server = serverSaying([429, tooMany, { 'retry-after': '3600' }]);
    const error = await rejectionOf(client({ maxRetryAfterMs: 1_000 }).refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(3_600_000);
    expect(server.requests).toBe(1);
  });

  it.each([500, 502, 503, 504])('never retries a %i without Retry-After: the server may have acted', async (status) => {
    const server = serverSaying([status, unavailable], [200, TOKEN_BODY]);
    const error = await rejectionOf(client().exchangeCode({ code: CODE, state: STATE }));
    expect(error).toBeInstanceOf(InternalServerError);
    expect(server.requests).toBe(1);
  });

  it.each([500, 502, 504])('never retries a %i even with Retry-After: only 503 says "not acted on"', async (status) => {
    const server = serverSaying([status, unavailable, { 'retry-after': '0' }], [200, TOKEN_BODY]);
    await expect(client().refresh(REFRESH_TOKEN)).rejects.toBeInstanceOf(InternalServerError);
    expect(server.requests).toBe(1);
  });

  it.each(['soon', '-1', '5, 10', 'Wed, 21 Oct 2015'])(
    'does not retry a 503 whose Retry-After %p is malformed',
    async (retryAfter) => {
      const server = serverSaying([503, unavailable, { 'retry-after': retryAfter }], [200, TOKEN_BODY]);
      await expect(client().refresh(REFRESH_TOKEN)).rejects.toBeInstanceOf(InternalServerError);
      expect(server.requests).toBe(1);
    },
  );

  it('never retries a reset connection: the request may have been processed', async () => {
    nock(HOST)
      .post('/oauth/token')
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const retry = nock(HOST).post('/oauth/token').reply(200, TOKEN_BODY);
    const error = await rejectionOf(client().exchangeCode({ code: CODE, state: STATE }));
    expect(error).toBeInstanceOf(OAuthConnectionError);
    expect(error).not.toBeInstanceOf(OAuthTimeoutError);
    expect((error as OAuthConnectionError).cause).toMatchObject({ code: 'ECONNRESET' });
    expect(retry.isDone()).toBe(false);
    expectNoLeak(error);
  });

  it('retries a connection refused before the request was sent, then succeeds', async () => {
    nock(HOST)
      .post('/oauth/token')
      .query(true)
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const server = serverSaying([200, TOKEN_BODY]);
    const tokens = await client().refresh(REFRESH_TOKEN);
    expect(tokens).toBeInstanceOf(TokenSet);
    expect(server.requests).toBe(1);
    expect(nock.isDone()).toBe(true);
  });

  it('never retries after a timeout', async () => {
    nock(HOST).post('/oauth/token').query(true).delay(500).reply(200, TOKEN_BODY);
    const server = serverSaying([200, TOKEN_BODY]);
    const error = await rejectionOf(client({ timeoutMs: 50 }).refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(OAuthTimeoutError);
    expect((error as OAuthTimeoutError).timeoutMs).toBe(50);
    expect(server.requests).toBe(0);
  });

  it('stops waiting when the caller aborts during a backoff, without another request', async () => {
    const server = serverSaying([429, tooMany, { 'retry-after': '10' }], [200, TOKEN_BODY]);
    const controller = new AbortController();
    const { logger } = recordingLogger();
    const pending = client({
      logger: { ...logger, warn: () => setTimeout(() => controller.abort(), 5) },
    }).refresh(REFRESH_TOKEN, { signal: controller.signal });
    const error = await rejectionOf(pending);
    expect(error).toBeInstanceOf(OAuthAbortError);
    expect(server.requests).toBe(1);
  });
});
