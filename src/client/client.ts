import { registerApiOptions } from '../api/transport.js';
import {
  reportReauthorization,
  type TokenOperation,
  tokenRequestsTraced,
  traceTokenRequest,
} from '../diagnostics/channels.js';
import { constantTimeEqual } from '../internal/constant-time.js';
import type { OutgoingRequest } from '../internal/generated-seam.js';
import type { ResponseHeaders } from '../internal/headers.js';
import { lazyRequests, lazyTransport, type RequestBuilder, type Transport } from '../internal/request-path-loader.js';
import { inspect, randomBase64url } from '../internal/runtime.js';
import { requireText } from '../internal/validation.js';
import type { RefreshOptions } from '../session/refresher.js';
import { type SessionOptions, TokenSession } from '../session/session.js';
import { readClientEnv } from './env.js';
import {
  apiErrorFromResponse,
  OAuthApiError,
  OAuthConnectionError,
  OAuthError,
  OAuthValidationError,
  StateMismatchError,
  sanitizedCause,
} from './errors.js';
import { type OAuthClientOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { parseRateLimit, type RateLimit } from './rate-limit.js';
import { tokenFieldsFromResponse } from './token-response.js';
import { TokenSet, type TokenSetJSON, toTokenSet } from './tokens.js';
import type { BufferedResponse, CallContext, FetchLike } from './transport.js';

/** Options of `client.authorizeUrl(params)`. */
export interface AuthorizeUrlParams {
  /** Your CSRF token for this flow; 128 random bits when omitted. Keep it to check the callback. */
  state?: string;
  /** Where Dropbox Sign sends the user back; defaults to the callback URL in the app's settings. */
  redirectUri?: string;
}

/** What `client.exchangeCode(params)` needs: the callback's `code` and `state`. */
export interface ExchangeCodeParams {
  /** The `code` query parameter of the OAuth callback. Single-use. */
  code: string;
  /** The `state` query parameter of the OAuth callback. */
  state: string;
  /** The state this flow started with; when given, a different `state` throws `StateMismatchError`. */
  expectedState?: string;
  /** Aborts the call (also while it waits to retry) with `OAuthAbortError`. */
  signal?: AbortSignal;
}

/** A result together with the HTTP facts of the response that carried it. */
export interface TokenResponse {
  /** The tokens. */
  data: TokenSet;
  /** The HTTP status (2xx). */
  status: number;
  /** The response headers, lower-case names, scrubbed of secrets. */
  headers: ResponseHeaders;
  /** The rate-limit window the response reported, if it carried all three headers. */
  rateLimit: RateLimit | undefined;
}

function optionalSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw new OAuthValidationError('signal must be an AbortSignal.');
}

function requireObject(value: unknown, name: string): void {
  if (value === null || typeof value !== 'object') throw new OAuthValidationError(`${name} must be an object.`);
}

/**
 * A client for the Dropbox Sign OAuth token API. The generated `OAuthApi` builds every request
 * (see src/internal/generated-seam.ts); this class adds validation, the transport policy, error
 * mapping and `TokenSet`s.
 */
export class OAuthClient {
  readonly #clientSecret: string;
  readonly #options: ResolvedOptions;
  readonly #requests: RequestBuilder;
  readonly #transport: Transport;
  /** The API app's client ID (not a secret; it appears in authorize URLs). */
  readonly clientId: string;
  /** The OAuth host requests go to. */
  readonly baseUrl: string;
  /** The REST API base `session.fetch` calls (option `apiBaseUrl`), without a trailing slash. */
  readonly apiBaseUrl: string;

  constructor(options: OAuthClientOptions) {
    this.#options = resolveOptions(options);
    this.clientId = this.#options.clientId;
    this.#clientSecret = this.#options.clientSecret;
    this.baseUrl = this.#options.baseUrl;
    this.apiBaseUrl = this.#options.apiBaseUrl;
    registerApiOptions(this, this.#options);
    // Both are built on the first request, with the code only requests need (request-path-loader.ts).
    this.#transport = lazyTransport({ ...this.#options, fetch: this.#options.fetch as FetchLike | undefined });
    this.#requests = lazyRequests(this.baseUrl);
  }

  /**
   * Builds a client from `HELLOSIGN_CLIENT_ID`, `HELLOSIGN_CLIENT_SECRET` and, optionally,
   * `HELLOSIGN_OAUTH_BASE_URL`; `overrides` win. A missing variable throws `OAuthValidationError`
   * naming it.
   */
  static fromEnv(overrides: Partial<OAuthClientOptions> = {}, env: NodeJS.ProcessEnv = process.env): OAuthClient {
    if (overrides === null || typeof overrides !== 'object') {
      throw new OAuthValidationError('fromEnv overrides must be an object.');
    }
    // An override explicitly set to undefined means "not overridden", not "erase the variable".
    const given = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
    return new OAuthClient({ ...readClientEnv(env, given), ...given } as OAuthClientOptions);
  }

  /** The URL to send the user to for consent, and the `state` to check on the callback. */
  authorizeUrl(params: AuthorizeUrlParams = {}): { url: string; state: string } {
    requireObject(params, 'authorizeUrl params');
    const state = params.state === undefined ? randomBase64url(16) : requireText(params.state, 'state');
    // Appended, not resolved: a base URL's path prefix (a gateway's /hellosign) must stay.
    const url = new URL(`${this.baseUrl}/oauth/authorize`);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.clientId);
    url.searchParams.set('state', state);
    if (params.redirectUri !== undefined) {
      let redirect: URL;
      try {
        redirect = new URL(requireText(params.redirectUri, 'redirectUri'));
      } catch (error) {
        if (error instanceof OAuthValidationError) throw error;
        throw new OAuthValidationError('redirectUri must be an absolute URL.');
      }
      url.searchParams.set('redirect_uri', redirect.toString());
    }
    return { url: url.toString(), state };
  }

  /** Exchanges a callback's `code` for tokens (`POST /oauth/token`). Never retried once sent. */
  async exchangeCode(params: ExchangeCodeParams): Promise<TokenSet> {
    return (await this.exchangeCodeWithResponse(params)).data;
  }

  /** `exchangeCode`, with the response's status, headers and rate-limit window. */
  async exchangeCodeWithResponse(params: ExchangeCodeParams): Promise<TokenResponse> {
    if (params === null || typeof params !== 'object')
      throw new OAuthValidationError('exchangeCode needs { code, state }.');
    const code = requireText(params.code, 'code');
    const state = requireText(params.state, 'state');
    if (
      params.expectedState !== undefined &&
      !constantTimeEqual(state, requireText(params.expectedState, 'expectedState'))
    ) {
      throw new StateMismatchError();
    }
    const signal = optionalSignal(params.signal);
    return this.#call('oauthTokenGenerate', [code], { signal }, undefined, () =>
      this.#requests.tokenGenerate({
        oAuthTokenGenerateRequest: {
          clientId: this.clientId,
          clientSecret: this.#clientSecret,
          code,
          state,
          grantType: 'authorization_code',
        },
      }),
    );
  }

  /**
   * Refreshes the access token (`POST /oauth/token?refresh`). Pass the refresh token or the whole
   * `TokenSet`; when the response carries no new refresh token, the old one is kept.
   */
  refresh(tokens: string | TokenSet | TokenSetJSON, options: RefreshOptions = {}): Promise<TokenSet> {
    // Not async: refreshWithResponse already is (its throws are rejections); a second async
    // frame around it only adds microtask turns to every refresh.
    return this.refreshWithResponse(tokens, options).then((response) => response.data);
  }

  /** `refresh`, with the response's status, headers and rate-limit window. */
  async refreshWithResponse(
    tokens: string | TokenSet | TokenSetJSON,
    options: RefreshOptions = {},
  ): Promise<TokenResponse> {
    const refreshToken = requireText(
      typeof tokens === 'string'
        ? tokens
        : tokens && typeof tokens === 'object'
          ? toTokenSet(tokens).refreshToken
          : undefined,
      'refreshToken',
    );
    requireObject(options, 'refresh options');
    const signal = optionalSignal(options.signal);
    const beforeAttempt = options.beforeAttempt;
    if (beforeAttempt !== undefined && typeof beforeAttempt !== 'function') {
      throw new OAuthValidationError('beforeAttempt must be a function.');
    }
    return this.#call('oauthTokenRefresh', [refreshToken], { signal, beforeAttempt }, refreshToken, () =>
      this.#requests.tokenRefresh({
        oAuthTokenRefreshRequest: {
          grantType: 'refresh_token',
          refreshToken,
          // Required for apps created recently and accepted by all, so always sent.
          clientId: this.clientId,
          clientSecret: this.#clientSecret,
        },
      }),
    );
  }

  /** A session that keeps one grant's access token fresh (see `TokenSession`). */
  session(tokens: TokenSet | TokenSetJSON | string, options: SessionOptions = {}): TokenSession {
    requireObject(options, 'session options');
    return new TokenSession(this, toTokenSet(tokens), { now: this.#options.now, ...options });
  }

  /** The clock this client counts expiry with (injectable through the `now` option). */
  now(): number {
    return this.#options.now();
  }

  /** One token request, as the diagnostics channels report it (see src/diagnostics/channels.ts). */
  #call(
    operation: TokenOperation,
    requestSecrets: string[],
    hooks: Pick<CallContext, 'signal' | 'beforeAttempt'>,
    previousRefreshToken: string | undefined,
    build: () => Promise<OutgoingRequest>,
  ): Promise<TokenResponse> {
    const secrets = [this.#clientSecret, ...requestSecrets];
    const sentAt = this.#options.now();
    // Checked before sending: the expiry is counted from it, and once the answer is in, the code
    // is spent (or the refresh token rotated), so failing then would lose the issued tokens.
    if (typeof sentAt !== 'number' || !Number.isFinite(sentAt)) {
      return Promise.reject(
        new OAuthValidationError('now must return milliseconds since the epoch (a finite number).'),
      );
    }
    // Named fields, not a spread of hooks: on Node 20 a spread among other properties costs ~1.5 µs.
    const context: CallContext = {
      operation,
      secrets,
      signal: hooks.signal,
      beforeAttempt: hooks.beforeAttempt,
      sentAt,
      attempts: 0,
    };
    if (!tokenRequestsTraced()) return this.#send(context, previousRefreshToken, build);
    return traceTokenRequest(
      operation,
      async () => {
        const value = await this.#send(context, previousRefreshToken, build);
        return { value, status: value.status, attempts: context.attempts };
      },
      (error, message) => {
        message.attempts = context.attempts;
        if (error instanceof OAuthApiError) message.status = error.status;
      },
    );
  }

  async #send(
    context: CallContext,
    previousRefreshToken: string | undefined,
    build: () => Promise<OutgoingRequest>,
  ): Promise<TokenResponse> {
    const operation = context.operation;
    // The client secret and the request's own secrets, as #call put them there.
    const secrets = context.secrets as string[];
    let response: BufferedResponse;
    try {
      response = await this.#transport(await build(), context);
    } catch (error) {
      throw reportReauthorization(operation, this.#toOAuthError(error, secrets));
    }
    if (!response.ok) {
      const error = apiErrorFromResponse(
        response.status,
        response.headers,
        response.bodyText,
        secrets,
        this.#options.now(),
      );
      throw reportReauthorization(operation, error);
    }
    const data = new TokenSet(
      tokenFieldsFromResponse(
        response.bodyText,
        response.status,
        response.headers,
        context.sentAt,
        previousRefreshToken,
      ),
    );
    this.#options.logger?.info?.('hellosign-oauth: tokens received', { operation, attempts: context.attempts });
    return { data, status: response.status, headers: response.headers, rateLimit: parseRateLimit(response.headers) };
  }

  #toOAuthError(error: unknown, secrets: readonly string[]): OAuthError {
    if (error instanceof OAuthError) return error;
    return new OAuthConnectionError('The request failed.', { cause: sanitizedCause(error, secrets) });
  }

  /** `{ clientId, baseUrl }`: never the secret. */
  toJSON(): object {
    return { clientId: this.clientId, baseUrl: this.baseUrl };
  }

  /** Prints `clientId` and `baseUrl`, with the secret shown as `[redacted]`. */
  [inspect.custom](): string {
    return `OAuthClient { clientId: ${JSON.stringify(this.clientId)}, baseUrl: ${JSON.stringify(this.baseUrl)}, clientSecret: [redacted] }`;
  }
}
