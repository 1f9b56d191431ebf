import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import nodeFetch from 'node-fetch';
import { OAuthClient, type OAuthClientOptions } from '../src/index.js';
import type { MockServer } from '../src/testing/index.js';

/**
 * What several test folders share: one set of secrets, one fake clock, one list of transports, one
 * way to make a client, and the leak, rejection and polling checks. Each folder's own `support.ts`
 * holds what only that folder needs.
 */

/** Values that must never show up anywhere a person could read them. Long enough to be unambiguous. */
export const SECRET = 'client-secret-5f4dcc3b5aa765d61d8327deb882cf99';
export const CODE = 'auth-code-1b0d28d90c86c141aa';
export const REFRESH_TOKEN = 'refresh-token-hNTI2MTFmM2VmZDQxZTZj';
export const ACCESS_TOKEN = 'access-token-NWNiOTMxOGFkOGVjMDhhNTAx';
export const CLIENT_ID = 'cc91c61d00f8bb2ece1428035716b';
export const ALL_SECRETS = [SECRET, CODE, REFRESH_TOKEN, ACCESS_TOKEN] as const;

/** Each way the client can be given a fetch implementation, by the name a test title shows. */
export const TRANSPORTS: [string, OAuthClientOptions['fetch']][] = [
  ['global fetch', globalThis.fetch],
  ['node-fetch', nodeFetch as unknown as OAuthClientOptions['fetch']],
  ['the default transport', undefined],
];

/** The transports a user of the core runs on: the default (`node:http` keep-alive) and global fetch. */
export const CORE_TRANSPORTS = TRANSPORTS.filter(([name]) => name !== 'node-fetch');

/**
 * A real client for a test server with fast retries. Given a URL (a loopback server the test runs),
 * it uses the shared credentials and a short timeout; given the mock server, that server's own.
 */
export function makeClient(target: string | MockServer, options: Partial<OAuthClientOptions> = {}): OAuthClient {
  const server =
    typeof target === 'string'
      ? { clientId: CLIENT_ID, clientSecret: SECRET, baseUrl: target, timeoutMs: 2_000 }
      : { clientId: target.clientId, clientSecret: target.clientSecret, baseUrl: target.url };
  return new OAuthClient({ ...server, allowInsecureHttp: true, retryBaseDelayMs: 1, ...options });
}

/** A settable clock shared by a client and a server; `advance` takes milliseconds. */
export function fakeClock(start = Date.UTC(2030, 0, 1)) {
  let current = start;
  return {
    now: () => current,
    advance: (ms: number) => {
      current += ms;
    },
  };
}

export type FakeClock = ReturnType<typeof fakeClock>;

/** Every way a value can reach a person: inspect (plain and hidden), JSON, and per error in the cause chain its message, stack and String(). */
export function renderings(value: unknown): string[] {
  const out = [inspect(value, { depth: 10 }), inspect(value, { depth: 10, showHidden: true }), JSON.stringify(value)];
  for (let current = value, depth = 0; current instanceof Error && depth < 6; current = current.cause, depth++) {
    out.push(current.message, String(current.stack), String(current), inspect(current, { depth: 10 }));
  }
  return out;
}

/** Awaits a promise that must reject and returns the rejection. */
export async function rejectionOf<T = Error>(promise: Promise<unknown>): Promise<T> {
  try {
    await promise;
  } catch (error) {
    return error as T;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/**
 * Polls until `condition` holds, failing after `timeoutMs`. Bounded on purpose: an unbounded poll
 * outlives a timed-out test and keeps Jest from exiting, which turns one failure into a hung CI run.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'the condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The `secrets` that some rendering of `value` (see `renderings`) contains. */
export function leakedSecrets(value: unknown, secrets: readonly string[] = ALL_SECRETS): string[] {
  const texts = renderings(value);
  return secrets.filter((secret) => texts.some((text) => text.includes(secret)));
}

/** Fails the test when any rendering of `value` contains any of `secrets`. */
export function expectNoLeak(value: unknown, secrets: readonly string[] = ALL_SECRETS): void {
  expect(leakedSecrets(value, secrets)).toEqual([]);
}

/** A promise the test settles by hand. */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A loopback port nobody listens on right now: bind an ephemeral port, then release it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * A free port below Linux's ephemeral range (32768+), for servers the tests stop and restart.
 * While such a server is down, a client reconnecting to an ephemeral-range port can be handed
 * that same port as its own source port and connect to itself (TCP self-connect); the restarted
 * server then binds beside it and the client waits forever for replies from itself.
 */
export async function restartablePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      server.close();
      await once(server, 'close');
      return port;
    }
  }
}

export interface TokenServerOptions {
  /** The refresh token the grant starts with. */
  initialRefreshToken: string;
  /**
   * `rotate`: each answer issues a new refresh token and the old one stops working (invalid_grant).
   * `reuse`: old refresh tokens keep working (a provider with a reuse grace period).
   */
  policy: 'rotate' | 'reuse';
  /** Hold the first refresh unanswered until `releaseStalled()` (or forever). */
  stallFirst?: boolean;
}

export interface RefreshRecord {
  /** The User-Agent suffix, which names the worker that sent it. */
  userAgent: string;
  refreshToken: string;
}

/**
 * A stand-in for `POST /oauth/token?refresh` that counts refreshes and decides, at the moment it
 * answers, whether the refresh token is still good, like a server that rotates tokens.
 */
export class TokenServer {
  readonly received: RefreshRecord[] = [];
  /** Answers sent with new tokens, in order. */
  readonly issued: { accessToken: string; refreshToken: string }[] = [];
  readonly stalled: Promise<RefreshRecord>;
  #onStalled!: (record: RefreshRecord) => void;
  #releaseStalled: (() => void) | undefined;
  readonly #valid: Set<string>;
  #current: string;
  readonly #options: TokenServerOptions;
  readonly #server = createHttpServer((req, res) => void this.#handle(req, res));

  constructor(options: TokenServerOptions) {
    this.#options = options;
    this.#current = options.initialRefreshToken;
    this.#valid = new Set([options.initialRefreshToken]);
    this.stalled = new Promise((resolve) => {
      this.#onStalled = resolve;
    });
  }

  async listen(): Promise<string> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    const { port } = this.#server.address() as { port: number };
    return `http://127.0.0.1:${port}`;
  }

  /** The refresh token a client holding the newest grant must use. */
  get currentRefreshToken(): string {
    return this.#current;
  }

  /** Lets the stalled first refresh be answered now, judged against the grant as it is now. */
  releaseStalled(): void {
    this.#releaseStalled?.();
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, 'close');
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const refreshToken = String(JSON.parse(body).refresh_token);
    const record = { userAgent: String(req.headers['user-agent']).split(' ').pop() ?? '', refreshToken };
    this.received.push(record);
    if (this.#options.stallFirst && this.received.length === 1) {
      await new Promise<void>((resolve) => {
        this.#releaseStalled = resolve;
        this.#onStalled(record);
      });
    }
    const valid = this.#options.policy === 'rotate' ? refreshToken === this.#current : this.#valid.has(refreshToken);
    if (!valid) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'The refresh token is no longer valid.' }));
      return;
    }
    const n = this.issued.length + 1;
    const issued = { accessToken: `access-token-${n}`, refreshToken: `refresh-token-${n}` };
    this.issued.push(issued);
    this.#current = issued.refreshToken;
    this.#valid.add(issued.refreshToken);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        access_token: issued.accessToken,
        refresh_token: issued.refreshToken,
        token_type: 'bearer',
        expires_in: 3600,
      }),
    );
  }
}
