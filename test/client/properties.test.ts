import fc from 'fast-check';
import {
  type FetchLike,
  InvalidResponseError,
  OAuthApiError,
  OAuthClient,
  OAuthError,
  parseRateLimit,
  RateLimitError,
  TokenSet,
} from '../../src/index.js';
import { renderings } from './support.js';

// Hundreds of generated cases per property: on a loaded 2-core CI machine that can pass 20 s.
jest.setTimeout(60_000);

const NO_BODY_STATUSES = new Set([204, 205, 304]);

const secretArb = fc.stringMatching(/^[A-Za-z0-9_-]{12,40}$/);

interface Secrets {
  clientSecret: string;
  code: string;
  refreshToken: string;
  /** A token the server might hand out, echo, or misplace. */
  accessToken: string;
}

const secretsArb: fc.Arbitrary<Secrets> = fc.record({
  clientSecret: secretArb,
  code: secretArb,
  refreshToken: secretArb,
  accessToken: secretArb,
});

/** Text that may embed any of the secrets, as a server echoing the request would. */
function textArb(secrets: Secrets): fc.Arbitrary<string> {
  const piece = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom(secrets.clientSecret, secrets.code, secrets.refreshToken, secrets.accessToken),
  );
  return fc.array(piece, { maxLength: 4 }).map((pieces) => pieces.join(''));
}

function headerValueArb(secrets: Secrets): fc.Arbitrary<string> {
  // What a Headers object accepts: no CR, LF or NUL; surrounding whitespace is trimmed anyway.
  return textArb(secrets).map((text) => text.replace(/[^\x20-\x7e]/g, '').trim());
}

function headersArb(secrets: Secrets): fc.Arbitrary<Record<string, string>> {
  const name = fc.oneof(
    fc.stringMatching(/^x-[a-z0-9-]{1,12}$/),
    fc.constantFrom(
      'retry-after',
      'content-type',
      'location',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'content-length',
    ),
  );
  const value = fc.oneof(
    headerValueArb(secrets),
    fc.nat({ max: 2_000_000 }).map(String),
    fc.constantFrom('0', '-1', 'Wed, 21 Oct 2015 07:28:00 GMT', 'application/json', 'text/html'),
  );
  return fc.dictionary(name, value, { maxKeys: 5 });
}

function bodyArb(secrets: Secrets): fc.Arbitrary<string> {
  const text = textArb(secrets);
  const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
  const tokenBody = fc.record(
    {
      access_token: fc.oneof(fc.constant(secrets.accessToken), scalar),
      refresh_token: fc.oneof(fc.constant(secrets.refreshToken), scalar),
      token_type: fc.oneof(fc.constant('Bearer'), scalar),
      expires_in: fc.oneof(fc.nat(), fc.nat().map(String), scalar),
      state: fc.oneof(fc.constant('s'), scalar),
    },
    { requiredKeys: [] },
  );
  const dropboxError = fc.record(
    { error: fc.record({ error_name: scalar, error_msg: scalar, error_path: scalar }, { requiredKeys: [] }) },
    { requiredKeys: [] },
  );
  const rfcError = fc.record({ error: scalar, error_description: scalar }, { requiredKeys: [] });
  return fc.oneof(
    text,
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
    tokenBody.map((value) => JSON.stringify(value)),
    dropboxError.map((value) => JSON.stringify(value)),
    rfcError.map((value) => JSON.stringify(value)),
    text.map((value) => `<html><body><h1>${value}</h1></body></html>`),
  );
}

const scenarioArb = secretsArb.chain((secrets) =>
  fc.record({
    secrets: fc.constant(secrets),
    status: fc.oneof(fc.integer({ min: 200, max: 599 }), fc.constantFrom(200, 400, 401, 429, 502, 503)),
    headers: headersArb(secrets),
    body: bodyArb(secrets),
    maxRetries: fc.integer({ min: 0, max: 2 }),
    operation: fc.constantFrom('exchange', 'refresh'),
  }),
);

const EXPECTED_CLASS: Record<number, string> = {
  400: 'BadRequestError',
  401: 'AuthenticationError',
  402: 'PaymentRequiredError',
  403: 'PermissionDeniedError',
  404: 'NotFoundError',
  429: 'RateLimitError',
};

describe('any response', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => process.off('unhandledRejection', onUnhandled));

  it('resolves a valid TokenSet or rejects with an OAuthError, and never leaks a secret', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ secrets, status, headers, body, maxRetries, operation }) => {
        let requests = 0;
        const fetch: FetchLike = async () => {
          requests += 1;
          return new Response(NO_BODY_STATUSES.has(status) ? null : body, { status, headers });
        };
        const client = new OAuthClient({
          clientId: 'client-id',
          clientSecret: secrets.clientSecret,
          fetch,
          maxRetries,
          retryBaseDelayMs: 0,
          maxRetryAfterMs: 0,
        });
        const sent = operation === 'exchange' ? secrets.code : secrets.refreshToken;
        const call =
          operation === 'exchange'
            ? client.exchangeCode({ code: secrets.code, state: 'state-value' })
            : client.refresh(secrets.refreshToken);

        let outcome: unknown;
        try {
          outcome = await call;
        } catch (error) {
          outcome = error;
        }

        expect(requests).toBeGreaterThanOrEqual(1);
        expect(requests).toBeLessThanOrEqual(maxRetries + 1);
        if (outcome instanceof TokenSet) {
          expect(status >= 200 && status < 300).toBe(true);
          expect(typeof outcome.accessToken).toBe('string');
          expect(outcome.accessToken.length).toBeGreaterThan(0);
          if (outcome.expiresAt !== undefined) expect(Number.isNaN(outcome.expiresAt.getTime())).toBe(false);
          if (operation === 'refresh') expect(outcome.refreshToken).toBeTruthy();
          return;
        }
        expect(outcome).toBeInstanceOf(OAuthError);
        if (status < 200 || status >= 300) {
          expect(outcome).toBeInstanceOf(OAuthApiError);
          const error = outcome as OAuthApiError;
          expect(error.status).toBe(status);
          expect(error.name).toBe(EXPECTED_CLASS[status] ?? (status >= 500 ? 'InternalServerError' : 'OAuthApiError'));
          if (error instanceof RateLimitError && error.retryAfterMs !== undefined) {
            expect(error.retryAfterMs).toBeGreaterThanOrEqual(0);
          }
        } else {
          expect(outcome).toBeInstanceOf(InvalidResponseError);
        }
        for (const text of renderings(outcome)) {
          expect(text).not.toContain(secrets.clientSecret);
          expect(text).not.toContain(sent);
        }
        // A token response that was refused is never quoted: its access token stays out of the error
        // (unless the server also put it in a header, which errors carry as the server sent them).
        const inHeaders = Object.values(headers).some((value) => value.includes(secrets.accessToken));
        if (outcome instanceof InvalidResponseError && !inHeaders) {
          for (const text of renderings(outcome)) expect(text).not.toContain(secrets.accessToken);
        }
      }),
      { numRuns: 150 },
    );
    expect(unhandled).toEqual([]);
  });
});

describe('parseRateLimit', () => {
  it('returns undefined or a well-formed window for any header values', () => {
    const value = fc.oneof(fc.string(), fc.nat().map(String), fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String));
    fc.assert(
      fc.property(
        fc.record(
          { 'x-ratelimit-limit': value, 'x-ratelimit-remaining': value, 'x-ratelimit-reset': value },
          { requiredKeys: [] },
        ),
        (headers) => {
          const window = parseRateLimit(headers);
          if (window === undefined) return;
          expect(Number.isSafeInteger(window.limit) && window.limit >= 0).toBe(true);
          expect(Number.isSafeInteger(window.remaining) && window.remaining >= 0).toBe(true);
          expect(Number.isNaN(window.resetAt.getTime())).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});
