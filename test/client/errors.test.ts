import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import {
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  InvalidResponseError,
  NotFoundError,
  OAuthApiError,
  OAuthClient,
  type OAuthClientOptions,
  OAuthError,
  PaymentRequiredError,
  PermissionDeniedError,
  RateLimitError,
  TokenSet,
} from '../../src/index.js';
import { releaseNock } from '../nock-release.js';
import {
  ACCESS_TOKEN,
  CLIENT_ID,
  CODE,
  expectNoLeak,
  REFRESH_TOKEN,
  rejectionOf,
  SECRET,
  STATE,
  TOKEN_BODY,
  TRANSPORTS,
} from './support.js';

const HOST = 'https://app.hellosign.com';
const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8'));

// No retries here: the retry rules have their own suite, and a 429 must surface as RateLimitError.
function client(fetch?: OAuthClientOptions['fetch']) {
  return new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, fetch, maxRetries: 0 });
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(releaseNock);

/** Runs one exchange and one refresh against a single canned reply and returns both rejections. */
async function failures(fetch: OAuthClientOptions['fetch'], status: number, body: string | object, headers = {}) {
  nock(HOST).post('/oauth/token').reply(status, body, headers);
  nock(HOST).post('/oauth/token').query({ refresh: '' }).reply(status, body, headers);
  const exchange = await rejectionOf(client(fetch).exchangeCode({ code: CODE, state: STATE }));
  const refresh = await rejectionOf(client(fetch).refresh(REFRESH_TOKEN));
  expect(nock.isDone()).toBe(true);
  // Each call can only scrub what it sent; a code exchange never saw the refresh token.
  expectNoLeak(exchange, [SECRET, CODE]);
  expectNoLeak(refresh, [SECRET, REFRESH_TOKEN]);
  return [exchange, refresh] as OAuthApiError[];
}

describe.each(TRANSPORTS.slice(0, 2))('API errors over %s', (_name, fetch) => {
  it.each([
    [400, 'error-400.json', BadRequestError, 'bad_request', 'This value should not be blank', 'cc_email_addresses[0]'],
    [
      401,
      'error-401.json',
      AuthenticationError,
      'unauthorized',
      'Unauthorized user. No credentials supplied.',
      undefined,
    ],
    [
      402,
      'error-402.json',
      PaymentRequiredError,
      'payment_required',
      'You must upgrade to make additional requests.',
      undefined,
    ],
    [
      403,
      'error-403.json',
      PermissionDeniedError,
      'forbidden',
      'A paid API plan is required to access this endpoint.',
      undefined,
    ],
    [429, 'error-429.json', RateLimitError, 'exceeded_rate', 'Too many requests.', undefined],
  ])(
    'maps %i with the official Dropbox Sign body to its class, fields and message',
    async (status, file, Class, code, description, path) => {
      const headers = { 'x-request-id': 'req-1' };
      for (const error of await failures(fetch, status, fixture(file), headers)) {
        expect(error).toBeInstanceOf(Class);
        expect(error).toBeInstanceOf(OAuthApiError);
        expect(error).toBeInstanceOf(OAuthError);
        expect(error).toMatchObject({ status, code, description, path, requiresReauthorization: false });
        expect(error.headers['x-request-id']).toBe('req-1');
        expect(error.message).toContain(String(status));
        expect(error.message).toContain(code);
        expect(error.message).toContain(description);
      }
    },
  );

  it.each([
    [404, NotFoundError],
    [500, InternalServerError],
    [502, InternalServerError],
    [503, InternalServerError],
    [504, InternalServerError],
    [409, OAuthApiError],
  ])('maps %i to %p', async (status, Class) => {
    const body = { error: { error_name: 'some_error', error_msg: 'Something happened.' } };
    for (const error of await failures(fetch, status, body)) {
      expect(error).toBeInstanceOf(Class);
      expect(error).toMatchObject({ status, code: 'some_error', description: 'Something happened.' });
    }
  });

  it('reads the RFC 6749 §5.2 body shape and flags invalid_grant as needing reauthorization', async () => {
    const body = { error: 'invalid_grant', error_description: 'The refresh token is invalid.' };
    for (const error of await failures(fetch, 400, body)) {
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error).toMatchObject({
        status: 400,
        code: 'invalid_grant',
        description: 'The refresh token is invalid.',
        path: undefined,
        requiresReauthorization: true,
      });
      expect(error.message).toContain('invalid_grant');
    }
  });

  it('flags the Dropbox-shaped invalid_grant as needing reauthorization too', async () => {
    const body = { error: { error_name: 'invalid_grant', error_msg: 'Code already used.' } };
    for (const error of await failures(fetch, 400, body)) expect(error.requiresReauthorization).toBe(true);
  });

  it('does not ask for reauthorization for other client errors', async () => {
    const body = { error: 'invalid_client', error_description: 'Bad client credentials.' };
    for (const error of await failures(fetch, 401, body)) {
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.requiresReauthorization).toBe(false);
    }
  });

  it('keeps a short, tag-free excerpt of an HTML 502 from a proxy', async () => {
    const html = `<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>${'<p>nginx</p>'.repeat(200)}</body></html>`;
    for (const error of await failures(fetch, 502, html, { 'content-type': 'text/html' })) {
      expect(error).toBeInstanceOf(InternalServerError);
      expect(error.code).toBe('http_502');
      expect(error.description).toMatch(/^502 Bad Gateway 502 Bad Gateway nginx/);
      expect(error.description?.length).toBeLessThanOrEqual(201);
      expect(error.description).not.toContain('<');
      expect(error.message).toContain('502 Bad Gateway');
    }
  });

  it('gives an error with no description when the error body is empty', async () => {
    for (const error of await failures(fetch, 500, '')) {
      expect(error).toMatchObject({ status: 500, code: 'http_500', description: undefined });
    }
  });

  it('scrubs request secrets the server echoes back in the body or the headers', async () => {
    const body = {
      error: {
        error_name: `bad_${SECRET}`,
        error_msg: `client_secret=${SECRET} code=${CODE} refresh_token=${REFRESH_TOKEN}`,
        error_path: CODE,
      },
    };
    const headers = { 'x-echo': `${SECRET} ${CODE} ${REFRESH_TOKEN}` };
    for (const error of await failures(fetch, 400, body, headers)) {
      expect(error).toBeInstanceOf(BadRequestError);
      expect(error.description).toContain('[redacted]');
      expect(error.headers['x-echo']).toContain('[redacted]');
    }
  });

  it('scrubs a secret in a long non-JSON body before cutting the excerpt, so no prefix of it survives', async () => {
    const text = `${'x'.repeat(180)} ${SECRET} trailing`;
    for (const error of await failures(fetch, 502, text)) {
      expect(error.description).toContain('[redacted]');
      expect(error.description).not.toContain(SECRET.slice(0, 10));
    }
  });
});

describe.each(TRANSPORTS.slice(0, 2))('redirects over %s', (_name, fetch) => {
  it.each([301, 302, 303, 307, 308])('treats a %i as an OAuthApiError and never follows it', async (status) => {
    const elsewhere = nock('https://attacker.example').post(/.*/).reply(200, TOKEN_BODY);
    nock(HOST).post('/oauth/token').reply(status, '', { location: 'https://attacker.example/steal' });

    const error = await rejectionOf(client(fetch).exchangeCode({ code: CODE, state: STATE }));

    expect(error).toBeInstanceOf(OAuthApiError);
    expect(error).toMatchObject({ status, code: `http_${status}` });
    expect((error as OAuthApiError).headers.location).toBe('https://attacker.example/steal');
    expect(elsewhere.isDone()).toBe(false);
    expectNoLeak(error);
  });
});

describe.each(TRANSPORTS.slice(0, 2))('2xx bodies that are not tokens over %s', (_name, fetch) => {
  async function invalid(body: string | object, status = 200) {
    nock(HOST).post('/oauth/token').query({ refresh: '' }).reply(status, body);
    const error = await rejectionOf(client(fetch).refresh(REFRESH_TOKEN));
    expect(nock.isDone()).toBe(true);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error).toBeInstanceOf(OAuthError);
    expect((error as InvalidResponseError).status).toBe(status);
    expectNoLeak(error);
    return error as InvalidResponseError;
  }

  it.each([
    ['malformed JSON', '{"access_token": "abc",'],
    ['an empty body', ''],
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"token"'],
    ['JSON null', 'null'],
  ])('rejects %s with InvalidResponseError', async (_label, body) => {
    const error = await invalid(body);
    expect(error.message).toMatch(/not (JSON|a JSON object)/);
  });

  it('rejects a body without access_token, without quoting the body', async () => {
    const error = await invalid({ refresh_token: REFRESH_TOKEN, expires_in: 3600 });
    expect(error.message).toContain('access_token');
  });

  it('rejects an empty access_token', async () => {
    await invalid({ access_token: '', expires_in: 3600 });
  });

  it.each([['"soon"'], ['true'], ['{}'], ['"-5"'], ['-5'], ['"1e3"']])(
    'rejects expires_in %s as non-numeric, without quoting the token',
    async (value) => {
      const error = await invalid(`{"access_token": "${ACCESS_TOKEN}", "expires_in": ${value}}`);
      expect(error.message).toContain('expires_in');
    },
  );

  it.each([['8638204245501.9'], ['"3153600001"']])(
    'rejects expires_in %s as out of range (over a century), instead of an invalid expiry date',
    async (value) => {
      const error = await invalid(`{"access_token": "${ACCESS_TOKEN}", "expires_in": ${value}}`);
      expect(error.message).toContain('out-of-range "expires_in"');
    },
  );

  it('rejects a 204 with no body', async () => {
    await invalid('', 204);
  });

  it('accepts expires_in as a numeric string', async () => {
    nock(HOST)
      .post('/oauth/token')
      .query({ refresh: '' })
      .reply(200, { access_token: ACCESS_TOKEN, expires_in: '3600' });
    const tokens = await client(fetch).refresh(REFRESH_TOKEN);
    expect(tokens).toBeInstanceOf(TokenSet);
    expect(tokens.expiresIn).toBe(3600);
    expect(tokens.refreshToken).toBe(REFRESH_TOKEN);
  });

  it('accepts a token response without expires_in as a token of unknown lifetime', async () => {
    nock(HOST).post('/oauth/token').query({ refresh: '' }).reply(200, { access_token: ACCESS_TOKEN });
    const tokens = await client(fetch).refresh(REFRESH_TOKEN);
    expect(tokens.expiresAt).toBeUndefined();
    expect(tokens.isExpired()).toBe(false);
  });
});

describe('TokenSet from a successful exchange', () => {
  it('counts expiresAt from when the request was sent and echoes state', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    nock(HOST)
      .post('/oauth/token')
      .reply(200, () => {
        now += 5_000; // the server took five seconds
        return { ...TOKEN_BODY, expires_in: 3600 };
      });
    const tokens = await new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, now: () => now }).exchangeCode({
      code: CODE,
      state: STATE,
    });
    expect(tokens.expiresAt?.toISOString()).toBe('2030-01-01T01:00:00.000Z');
    expect(tokens.state).toBe(STATE);
    expect(tokens.isExpired(0, Date.parse('2030-01-01T00:59:00Z'))).toBe(false);
    expect(tokens.isExpired(120, Date.parse('2030-01-01T00:59:00Z'))).toBe(true);
  });
});
