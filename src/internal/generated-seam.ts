// The one place this package touches the generated request code. Every assumption it makes about
// generated/ is named in SEAM below, checked here at run time and by test/client/generated-seam.test.ts,
// so a generator upgrade that breaks one fails with a message saying which (docs/upgrading-the-generator.md).
import {
  OAuthApi,
  type OauthTokenGenerateRequest,
  type OauthTokenRefreshRequest,
} from '../../generated/apis/OAuthApi.js';
import { Configuration, RequiredError } from '../../generated/runtime.js';
import { OAuthError, OAuthValidationError } from '../client/errors.js';

/** A request the generated layer built, in the shape our transport sends. */
export interface OutgoingRequest {
  readonly url: string;
  readonly method: string;
  /** Lower-case names. */
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

/** The assumptions the wrapper makes about generated/, each with the message its failure prints. */
export const SEAM = {
  buildsThroughFetchApi: 'the generated …Raw methods hand the request they built to Configuration.fetchApi, once',
  resolvesOn2xx: 'the generated …Raw methods resolve once Configuration.fetchApi answers 2xx',
  absoluteUrl: 'the generated runtime passes Configuration.fetchApi an absolute URL under basePath',
  method: 'the generated runtime passes Configuration.fetchApi the HTTP method in init.method',
  jsonBody: 'the generated runtime passes Configuration.fetchApi the …ToJSON wire body as a JSON string in init.body',
  requiredError: 'the generated …Raw methods throw RequiredError naming the field when a required parameter is missing',
  responseModel:
    'OAuthTokenResponseFromJSON maps the snake_case wire fields to the camelCase model (src/client/token-response.ts)',
  defaultBasePath: 'the generated BASE_PATH is the OAuth host, https://app.hellosign.com (src/client/options.ts)',
} as const;

/** A generated-code assumption in SEAM no longer holds: the generator changed under the wrapper. */
export class GeneratedSeamError extends OAuthError {
  constructor(assumption: string) {
    super(
      `Generated-code seam broken: expected ${assumption}. See docs/upgrading-the-generator.md.`,
      'OAUTH_GENERATED_SEAM',
    );
  }
}

function assume(holds: boolean, assumption: string): asserts holds {
  if (!holds) throw new GeneratedSeamError(assumption);
}

function headerRecord(init: HeadersInit | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  // The runtime passes a plain record; anything else goes through Headers, which reads every form.
  if (init !== undefined && Object.getPrototypeOf(init) === Object.prototype) {
    for (const [name, value] of Object.entries(init)) {
      if (typeof value === 'string') record[name.toLowerCase()] = value;
    }
    return record;
  }
  new Headers(init).forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

/** What the capturing fetchApi answers: empty, never read, so one serves every call. */
let captured204: Response | undefined;

/** Reads the request from the standard, typed `fetch` arguments only: no field of ours rides along. */
function outgoingRequest(basePath: string, input: RequestInfo | URL, init: RequestInit | undefined): OutgoingRequest {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : undefined;
  assume(url?.startsWith(basePath) === true, SEAM.absoluteUrl);
  assume(typeof init?.method === 'string', SEAM.method);
  assume(typeof init.body === 'string', SEAM.jsonBody);
  return { url, method: init.method, headers: headerRecord(init.headers), body: init.body };
}

/**
 * One generated `OAuthApi` whose `fetchApi` captures into `captured`, used by one call at a time.
 * Kept and reused: every `OAuthApi` creates its own `fetchApi` closure, which the CJS build's
 * keepNames wraps in a `__name` call (Object.defineProperty, ~1 µs), and a per-call API,
 * configuration and closure cost more than the request they build.
 */
class CapturingApi {
  /** What the current call's request built; a fresh array for each call. */
  captured: OutgoingRequest[] = [];
  readonly api: OAuthApi;

  constructor(basePath: string) {
    const self = this;
    this.api = new OAuthApi(
      new Configuration({
        basePath,
        async fetchApi(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
          self.captured.push(outgoingRequest(basePath, input, init));
          captured204 ??= new Response(null, { status: 204 });
          return captured204;
        },
      }),
    );
  }
}

/** An idle API's `captured`: empty, and frozen so nothing is ever kept in it. */
const NOTHING_CAPTURED = Object.freeze([]) as unknown as OutgoingRequest[];

/** Idle capturing APIs kept per `GeneratedRequests`: enough for a burst of concurrent calls. */
const MAX_IDLE_APIS = 32;

/**
 * Builds requests with the generated `OAuthApi` without letting it send them: its `fetchApi`
 * captures what the generated code built, answers with an empty 204, and the caller sends the
 * captured request through the transport with its own context. Works with every supported
 * generator (7.14.0 has no `…RequestOpts()` methods; `…Raw` is common to all). Each call has an
 * `OAuthApi` to itself (taken from a small pool), so concurrent calls never see each other's requests.
 */
export class GeneratedRequests {
  readonly #idle: CapturingApi[] = [];

  constructor(private readonly basePath: string) {}

  /** `POST /oauth/token` with an authorization code. */
  tokenGenerate(parameters: OauthTokenGenerateRequest): Promise<OutgoingRequest> {
    return this.#capture((api) => api.oauthTokenGenerateRaw(parameters));
  }

  /** `POST /oauth/token?refresh` with a refresh token. */
  tokenRefresh(parameters: OauthTokenRefreshRequest): Promise<OutgoingRequest> {
    return this.#capture((api) => api.oauthTokenRefreshRaw(parameters));
  }

  async #capture(build: (api: OAuthApi) => Promise<unknown>): Promise<OutgoingRequest> {
    const capturing = this.#idle.pop() ?? new CapturingApi(this.basePath);
    const captured: OutgoingRequest[] = [];
    capturing.captured = captured;
    try {
      await build(capturing.api);
    } catch (error) {
      if (error instanceof OAuthError) throw error;
      if (error instanceof RequiredError) {
        assume(typeof error.field === 'string', SEAM.requiredError);
        throw new OAuthValidationError(`Missing required parameter ${error.field}.`);
      }
      // The runtime wraps what fetchApi threw (FetchError), so look one level down for our own.
      const cause = (error as { cause?: unknown } | null)?.cause;
      if (cause instanceof OAuthError) throw cause;
      throw new GeneratedSeamError(captured.length === 1 ? SEAM.resolvesOn2xx : SEAM.buildsThroughFetchApi);
    } finally {
      // The generated call has settled, so its fetchApi is done: the API is free for the next call.
      // It lets go of this call's request (its body holds the client secret and the refresh token
      // or code), which would otherwise live on in the pool as long as the client.
      capturing.captured = NOTHING_CAPTURED;
      if (this.#idle.length < MAX_IDLE_APIS) this.#idle.push(capturing);
    }
    assume(captured.length === 1, SEAM.buildsThroughFetchApi);
    return captured[0];
  }
}
