import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { OAuthValidationError } from '../../src/index.js';
import { type MockServerOptions, startMockServer } from '../../src/testing/index.js';
import { waitUntil } from '../support.js';
import { rejectionOf } from './support.js';

/** Listening servers and pipes this process holds: a failed start must not add one. */
/** Open listening handles: TCP servers, and pipes (a Unix socket server is a `PipeWrap`). */
function serverHandles(kinds = /Server|Pipe/): number {
  return process.getActiveResourcesInfo().filter((name) => kinds.test(name)).length;
}

describe('startMockServer options', () => {
  it('refuses a port that is not a number, leaving no socket file and no open server', async () => {
    const name = `mock-port-${process.pid}-${Date.now()}`;
    const file = join(process.cwd(), name);
    const before = serverHandles();
    try {
      const error = await rejectionOf(startMockServer({ port: name as unknown as number }));
      expect(error).toBeInstanceOf(OAuthValidationError);
      expect((error as Error).message).toBe(
        'startMockServer: port must be an integer from 0 to 65535 (0: a free port), got a string.',
      );
      expect(existsSync(file)).toBe(false);
      expect(serverHandles()).toBe(before);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it.each<[string, unknown, RegExp]>([
    ['a negative port', { port: -1 }, /port must be an integer/],
    ['a port past 65535', { port: 65536 }, /port must be an integer/],
    ['a fractional port', { port: 80.5 }, /port must be an integer/],
    ['a host name to resolve', { host: 'example.com' }, /host must be an IP address/],
    ['a socket path as host', { host: '/tmp/mock.sock' }, /host must be an IP address/],
    ['an empty client id', { clientId: '' }, /clientId must be a non-empty string/],
    ['a numeric client secret', { clientSecret: 42 }, /clientSecret must be a non-empty string/],
    ['a negative token lifetime', { accessTokenTtlSeconds: -1 }, /accessTokenTtlSeconds must be a positive number/],
    ['a string code lifetime', { codeTtlSeconds: '600' }, /codeTtlSeconds must be a positive number/],
    ['a null rate limit', { rateLimit: null }, /rateLimit must be an object/],
    ['a zero rate limit', { rateLimit: { limit: 0 } }, /rateLimit\.limit must be a positive number/],
    ['an infinite window', { rateLimit: { windowSeconds: Infinity } }, /rateLimit\.windowSeconds/],
    ['a relative redirect URI', { redirectUri: '/callback' }, /redirectUri must be an absolute URL/],
    ['a javascript: redirect URI', { redirectUri: 'javascript:alert(1)' }, /redirectUri must be an http\(s\) URL/],
    ['a redirect URI with a fragment', { redirectUri: 'https://app.example/cb#x' }, /without a fragment/],
    ['an unknown consent', { consent: 'maybe' }, /consent must be one of 'page', 'approve', 'deny'/],
    ['an empty app name', { appName: '' }, /appName must be a non-empty string/],
    ['a clock that is not a function', { now: 5 }, /now must be a function/],
    ['a string for a boolean', { rotateRefreshTokens: 'yes' }, /rotateRefreshTokens must be true or false/],
    ['null options', null, /options must be an object/],
  ])('refuses %s with an OAuthValidationError naming it, before listening', async (_label, options, message) => {
    const before = serverHandles();
    const error = await rejectionOf(startMockServer(options as MockServerOptions));
    expect(error).toBeInstanceOf(OAuthValidationError);
    expect((error as Error).message).toMatch(/^startMockServer: /);
    expect((error as Error).message).toMatch(message);
    expect(serverHandles()).toBe(before);
  });

  it('never repeats a bad secret in its error', async () => {
    const error = await rejectionOf(startMockServer({ clientSecret: ['hunter2-secret'] as unknown as string }));
    expect((error as Error).message).not.toContain('hunter2-secret');
  });

  it('leaves no open server behind when the port is taken', async () => {
    const first = await startMockServer();
    try {
      // TCP servers only: the worker's stdio pipes are also `PipeWrap`s, and one opened lazily by a
      // log line elsewhere in the process would be miscounted as a leaked server.
      const tcpServers = /TCPServerWrap/;
      // An earlier test file in this Jest worker may still be closing a server (one with open
      // keep-alive sockets); counted here, its going would look like a count that never comes back.
      await waitUntil(() => serverHandles(tcpServers) === 1, 2_000, "earlier test files' servers to close");
      const before = serverHandles(tcpServers);
      const error = await rejectionOf(startMockServer({ port: first.port }));
      expect((error as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
      // Node closes the failed handle on its next turn; it must go without anyone calling close().
      await waitUntil(() => serverHandles(tcpServers) === before, 2_000, 'the failed server handle to close');
    } finally {
      await first.close();
    }
  });

  it('accepts every documented option together', async () => {
    const server = await startMockServer({
      clientId: 'id',
      clientSecret: 'secret',
      host: '127.0.0.1',
      port: 0,
      accessTokenTtlSeconds: 60,
      codeTtlSeconds: 60,
      rotateRefreshTokens: true,
      refreshRequiresClientCredentials: false,
      redirectUri: 'http://127.0.0.1:1/cb',
      consent: 'page',
      appName: 'Acme',
      rateLimit: { limit: 5, windowSeconds: 1 },
      now: Date.now,
    });
    await server.close();
  });
});

describe('MockServer.inject', () => {
  it.each<[string, unknown, RegExp]>([
    ['no fault object', null, /inject\(\) needs a fault object/],
    ['an unknown type', { type: 'teapot' }, /Unknown fault type/],
    ['zero times', { type: 'reset', times: 0 }, /fault\.times must be a positive integer/],
    ['a negative latency', { type: 'latency', ms: -1 }, /latency fault needs ms/],
    // setTimeout fires at once past 2^31 - 1 ms (with a TimeoutOverflowWarning): no latency at all.
    ['a latency past the largest timer', { type: 'latency', ms: 2 ** 31 }, /latency fault needs ms/],
    ['a 5xx status outside 500-599', { type: '5xx', status: 404 }, /status must be an integer from 500 to 599/],
    ['a respond fault without a body', { type: 'respond', status: 200 }, /respond fault needs a string body/],
    ['an operation that is not a name', { type: 'reset', operation: 5 }, /fault\.operation must be/],
  ])('refuses %s with an OAuthValidationError naming the field', async (_case, fault, message) => {
    const server = await startMockServer();
    try {
      let error: unknown;
      try {
        server.inject(fault as never);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(OAuthValidationError);
      expect((error as Error).message).toMatch(message);
    } finally {
      await server.close();
    }
  });
});
