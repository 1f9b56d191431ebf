import type { FetchInit, FetchResponseLike } from '../../src/client/transport.js';
import { OAuthClient, TokenSet, type TokenSetJSON, type TokenStore } from '../../src/index.js';
import { CLIENT_ID, deferred, type FakeClock, fakeClock, SECRET } from '../support.js';

export { deferred, type FakeClock, rejectionOf, SECRET } from '../support.js';

/** A fixed starting time for the injectable clock. */
export const T0 = Date.parse('2030-01-01T00:00:00.000Z');

export interface ReceivedRefresh {
  url: string;
  /** The refresh token the request carried. */
  refreshToken: string;
  /** The fake clock's time when the request reached the server. */
  at: number;
}

export interface Reply {
  status?: number;
  body: unknown;
}

/** Answers each refresh: by default a new access token, the same refresh token, one hour. */
export type Responder = (request: ReceivedRefresh, index: number) => Reply;

export const issueAccessToken: Responder = (_request, index) => ({
  body: { access_token: `access-${index + 1}-NWNiOTMxOGFkOGVj`, token_type: 'Bearer', expires_in: 3600 },
});

export const invalidGrant: Responder = () => ({
  status: 400,
  body: { error: 'invalid_grant', error_description: 'The refresh token is invalid.' },
});

/**
 * A `fetch` for `OAuthClient` that plays the token endpoint in memory: counts and records refresh
 * requests, answers with `respond`, and while `gate` is set holds every answer until it resolves.
 */
export class FakeTokenServer {
  readonly received: ReceivedRefresh[] = [];
  respond: Responder = issueAccessToken;
  gate: Promise<void> | undefined;
  /** Runs when a request arrives, before it is answered (lets a test act "during the flight"). */
  onRequest: ((request: ReceivedRefresh) => void | Promise<void>) | undefined;

  constructor(readonly clock: FakeClock) {}

  get count(): number {
    return this.received.length;
  }

  readonly fetch = async (url: string, init: FetchInit): Promise<FetchResponseLike> => {
    const body = JSON.parse(String(init.body)) as { refresh_token: string };
    const request: ReceivedRefresh = { url, refreshToken: body.refresh_token, at: this.clock.now() };
    const index = this.received.push(request) - 1;
    await this.onRequest?.(request);
    if (this.gate) await this.gate;
    const reply = this.respond(request, index);
    const text = JSON.stringify(reply.body);
    const headers = new Map([['content-type', 'application/json']]);
    return {
      status: reply.status ?? 200,
      headers: {
        get: (name) => headers.get(name.toLowerCase()) ?? null,
        forEach: (callback) => {
          for (const [name, value] of headers) callback(value, name);
        },
      },
      text: async () => text,
    };
  };

  /** Holds every answer until the returned function is called. */
  hold(): () => void {
    const gate = deferred();
    this.gate = gate.promise;
    return () => {
      this.gate = undefined;
      gate.resolve();
    };
  }
}

export interface Harness {
  clock: FakeClock;
  server: FakeTokenServer;
  client: OAuthClient;
}

export function harness(): Harness {
  const clock = fakeClock(T0);
  const server = new FakeTokenServer(clock);
  const client = new OAuthClient({
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    fetch: server.fetch,
    maxRetries: 0,
    now: clock.now,
  });
  return { clock, server, client };
}

/** Tokens that expire `expiresInSeconds` after the clock's current time. */
export function tokensExpiringIn(
  clock: FakeClock,
  expiresInSeconds: number,
  name = 'start',
  refreshToken: string | undefined = `refresh-${name}-hNTI2MTFmM2Vm`,
): TokenSet {
  return new TokenSet({
    accessToken: `access-${name}-MDZhYzBlMGI1YzQ0`,
    refreshToken,
    expiresIn: 3600,
    expiresAt: new Date(clock.now() + expiresInSeconds * 1000),
  });
}

/** Lets every queued promise callback run: resumes only after the microtask queue drained. */
export async function settle(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A plain key-value `TokenStore` with only the required methods, recording the order of calls. */
export class PlainStore implements TokenStore {
  readonly entries = new Map<string, TokenSetJSON>();
  readonly log: string[] = [];

  async get(key: string): Promise<TokenSetJSON | undefined> {
    return this.entries.get(key);
  }

  async set(key: string, tokens: TokenSetJSON): Promise<void> {
    this.log.push(`set ${tokens.accessToken}`);
    this.entries.set(key, tokens);
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
}
