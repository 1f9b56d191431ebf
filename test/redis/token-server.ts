import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

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
  readonly #server = createServer((req, res) => void this.#handle(req, res));

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
