import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { OAuthApi } from '../generated/apis/OAuthApi.js';
import { Configuration, FetchError, RequiredError, ResponseError } from '../generated/runtime.js';
import { registerApiOptions } from './api/transport.js';
import { readClientEnv } from './env.js';
import {
  apiErrorFromResponse,
  OAuthConnectionError,
  OAuthError,
  OAuthValidationError,
  StateMismatchError,
  sanitizedCause,
} from './errors.js';
import { constantTimeEqual } from './internal/constant-time.js';
import type { ResponseHeaders } from './internal/headers.js';
import { type OAuthClientOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { parseRateLimit, type RateLimit } from './rate-limit.js';
import { type SessionOptions, TokenSession } from './session.js';
import { tokenSetFromResponse } from './token-response.js';
import { type TokenSet, type TokenSetJSON, toTokenSet } from './tokens.js';
import { type BufferedResponse, CALL_CONTEXT, type CallContext, createTransport, type FetchLike } from './transport.js';

export interface AuthorizeUrlParams {
  /** Your CSRF token for this flow; 128 random bits when omitted. Keep it to check the callback. */
  state?: string;
  /** Where Dropbox Sign sends the user back; defaults to the callback URL in the app's settings. */
  redirectUri?: string;
}

export interface ExchangeCodeParams {
  /** The `code` query parameter of the OAuth callback. Single-use. */
  code: string;
  /** The `state` query parameter of the OAuth callback. */
  state: string;
  /** The state this flow started with; when given, a different `state` throws `StateMismatchError`. */
  expectedState?: string;
  signal?: AbortSignal;
}

export interface RefreshOptions {
  signal?: AbortSignal;
}

/** A result together with the HTTP facts of the response that carried it. */
export interface TokenResponse {
  data: TokenSet;
  status: number;
  headers: ResponseHeaders;
  rateLimit: RateLimit | undefined;
}

function optionalSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw new OAuthValidationError('signal must be an AbortSignal.');
}

function requireObject(value: unknown, name: string): void {
  if (value === null || typeof value !== 'object') throw new OAuthValidationError(`${name} must be an object.`);
}

function requireText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new OAuthValidationError(`${name} is required and must be a non-empty string.`);
  }
  return value;
}

/**
 * A client for the Dropbox Sign OAuth token API. Every request goes through the generated
 * `OAuthApi`; this class adds validation, the transport policy, error mapping and `TokenSet`s.
 */
export class OAuthClient {
  readonly #clientSecret: string;
  readonly #options: ResolvedOptions;
  readonly #api: OAuthApi;
  readonly clientId: string;
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
    const transport = createTransport({ ...this.#options, fetch: this.#options.fetch as FetchLike | undefined });
    this.#api = new OAuthApi(
      new Configuration({ basePath: this.baseUrl, fetchApi: transport as unknown as typeof fetch }),
    );
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
    const state =
      params.state === undefined ? randomBytes(16).toString('base64url') : requireText(params.state, 'state');
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
    return this.#call('oauthTokenGenerate', [code], signal, undefined, (init) =>
      this.#api.oauthTokenGenerateRaw(
        {
          oAuthTokenGenerateRequest: {
            clientId: this.clientId,
            clientSecret: this.#clientSecret,
            code,
            state,
            grantType: 'authorization_code',
          },
        },
        init,
      ),
    );
  }

  /**
   * Refreshes the access token (`POST /oauth/token?refresh`). Pass the refresh token or the whole
   * `TokenSet`; when the response carries no new refresh token, the old one is kept.
   */
  async refresh(tokens: string | TokenSet | TokenSetJSON, options: RefreshOptions = {}): Promise<TokenSet> {
    return (await this.refreshWithResponse(tokens, options)).data;
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
    return this.#call('oauthTokenRefresh', [refreshToken], signal, refreshToken, (init) =>
      this.#api.oauthTokenRefreshRaw(
        {
          oAuthTokenRefreshRequest: {
            grantType: 'refresh_token',
            refreshToken,
            // Required for apps created recently and accepted by all, so always sent.
            clientId: this.clientId,
            clientSecret: this.#clientSecret,
          },
        },
        init,
      ),
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

  async #call(
    operation: string,
    requestSecrets: string[],
    signal: AbortSignal | undefined,
    previousRefreshToken: string | undefined,
    send: (init: RequestInit) => Promise<{ raw: Response }>,
  ): Promise<TokenResponse> {
    const secrets = [this.#clientSecret, ...requestSecrets];
    const sentAt = this.#options.now();
    // Checked before sending: the expiry is counted from it, and once the answer is in, the code
    // is spent (or the refresh token rotated), so failing then would lose the issued tokens.
    if (typeof sentAt !== 'number' || !Number.isFinite(sentAt)) {
      throw new OAuthValidationError('now must return milliseconds since the epoch (a finite number).');
    }
    const context: CallContext = { operation, secrets, signal, sentAt, attempts: 0 };
    let response: BufferedResponse;
    try {
      response = (await send({ [CALL_CONTEXT]: context } as RequestInit)).raw as unknown as BufferedResponse;
    } catch (error) {
      throw this.#toOAuthError(error, secrets);
    }
    const data = tokenSetFromResponse(
      response.bodyText,
      response.status,
      response.headers,
      context.sentAt,
      previousRefreshToken,
    );
    this.#options.logger?.info?.('hellosign-oauth: tokens received', { operation, attempts: context.attempts });
    return { data, status: response.status, headers: response.headers, rateLimit: parseRateLimit(response.headers) };
  }

  #toOAuthError(error: unknown, secrets: readonly string[]): OAuthError {
    if (error instanceof ResponseError) {
      const response = error.response as unknown as BufferedResponse;
      return apiErrorFromResponse(response.status, response.headers, response.bodyText, secrets, this.#options.now());
    }
    // The generated runtime wraps whatever the transport threw.
    const inner = error instanceof FetchError ? error.cause : error;
    if (inner instanceof OAuthError) return inner;
    if (inner instanceof RequiredError) return new OAuthValidationError(`Missing required parameter ${inner.field}.`);
    return new OAuthConnectionError('The request failed.', { cause: sanitizedCause(inner, secrets) });
  }

  toJSON(): object {
    return { clientId: this.clientId, baseUrl: this.baseUrl };
  }

  [inspect.custom](): string {
    return `OAuthClient { clientId: ${JSON.stringify(this.clientId)}, baseUrl: ${JSON.stringify(this.baseUrl)}, clientSecret: [redacted] }`;
  }
}
