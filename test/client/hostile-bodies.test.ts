import fc from 'fast-check';
import { describeFailure } from '../../src/cli/io.js';
import { type FetchLike, InternalServerError, OAuthApiError, OAuthClient } from '../../src/index.js';
import { CLIENT_ID, CODE, expectNoLeak, REFRESH_TOKEN, rejectionOf, SECRET, STATE, TOKEN_BODY } from './support.js';

/** The default `maxResponseBytes`: the largest body the client reads at all. */
const CAP = 1024 * 1024;
/** "Well under a second": a linear pass over a mebibyte takes milliseconds; the old regexes took minutes. */
const BUDGET_MS = 1_000;
/** What the issue promises a message is bounded to ("a few KB"), with room for the cut marker. */
const MESSAGE_BOUND = 4_200;

function client(body: string, status: number): OAuthClient {
  const fetch: FetchLike = async () => new Response(body, { status });
  return new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, fetch, maxRetries: 0 });
}

/** Refreshes against a canned answer and times it, CLI one-line rendering included. */
async function timedFailure(body: string, status: number) {
  const started = performance.now();
  const error = await rejectionOf<OAuthApiError>(client(body, status).refresh(REFRESH_TOKEN));
  const { line } = describeFailure(error, 'refresh', [REFRESH_TOKEN]);
  return { error, line, elapsedMs: performance.now() - started };
}

/** The pieces the slow patterns choked on: tag openers without a close, whitespace runs, line breaks, quotes. */
const ADVERSARIAL_UNITS = ['<', '<a', '<a ', ' ', '\t', '\r\n', '\n', '"', "'", '>', 'a', '&lt;'];

const hostileArb = fc.record({
  units: fc.array(fc.constantFrom(...ADVERSARIAL_UNITS), { minLength: 1, maxLength: 3 }),
  // Half the cases at the cap itself, where the old code would have run for a quarter of an hour.
  size: fc.oneof(fc.constant(CAP), fc.integer({ min: 1, max: CAP })),
  shape: fc.constantFrom('html', 'dropbox-json', 'rfc-json'),
  status: fc.constantFrom(400, 401, 429, 500, 502, 503),
});

/** A body of `size` bytes at most, repeating `units`, raw or as the server's words in either JSON shape. */
function hostileBody({ units, size, shape }: { units: string[]; size: number; shape: string }): string {
  const unit = units.join('');
  const wrap = (text: string) =>
    shape === 'dropbox-json'
      ? JSON.stringify({ error: { error_name: 'bad_request', error_msg: text } })
      : shape === 'rfc-json'
        ? JSON.stringify({ error: 'invalid_request', error_description: text })
        : text;
  const overhead = wrap('').length;
  const unitBytes = wrap(unit).length - overhead;
  return wrap(unit.repeat(Math.max(1, Math.floor((size - overhead) / unitBytes))));
}

describe('a hostile error body', () => {
  it('of up to the size cap, from adversarial alphabets, becomes a typed error in well under a second', async () => {
    await fc.assert(
      fc.asyncProperty(hostileArb, async (scenario) => {
        const body = hostileBody(scenario);
        expect(Buffer.byteLength(body)).toBeLessThanOrEqual(CAP);
        const { error, line, elapsedMs } = await timedFailure(body, scenario.status);
        expect(error).toBeInstanceOf(OAuthApiError);
        expect(error.status).toBe(scenario.status);
        expect(error.message.length).toBeLessThan(MESSAGE_BOUND);
        expect(line).not.toMatch(/[\r\n]/);
        expect(line.length).toBeLessThan(MESSAGE_BOUND + 100);
        expect(elapsedMs).toBeLessThan(BUDGET_MS);
      }),
      // Each case moves a mebibyte through the client: a few dozen keep the suite fast.
      { numRuns: 24 },
    );
  });

  it.each([
    ['300,000 `<`', '<'.repeat(300_000)],
    ['150,000 `<a`', '<a'.repeat(150_000)],
    ['a mebibyte of `<` then a closing `>`', `${'<'.repeat(CAP - 1)}>`],
  ])('of %s (a 502 from a hostile proxy) is excerpted in linear time', async (_label, body) => {
    const { error, elapsedMs } = await timedFailure(body, 502);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.description === undefined || error.description.length <= 201).toBe(true);
    expect(elapsedMs).toBeLessThan(BUDGET_MS);
  });

  it('whose error_msg is 40,000 spaces becomes one short CLI line, fast', async () => {
    const body = JSON.stringify({ error: { error_name: 'bad_request', error_msg: `a${' '.repeat(40_000)}b` } });
    const { line, elapsedMs } = await timedFailure(body, 400);
    // Cut first, then folded: the spaces past the bound are gone, the rest read as one.
    expect(line).toMatch(
      /^hellosign-oauth refresh: Dropbox Sign OAuth request failed with 400 bad_request: a \[…cut: \d+ characters in all\]$/,
    );
    expect(elapsedMs).toBeLessThan(BUDGET_MS);
  });
});

describe('an oversized error message', () => {
  const huge = `Start of the server's words. ${'x'.repeat(700_000)} End.`;

  it.each([
    ['error_msg', { error: { error_name: 'bad_request', error_msg: huge } }],
    ['error_description', { error: 'invalid_request', error_description: huge }],
  ])('in %s is cut to a few KB, says so, and keeps the start', async (_field, body) => {
    const error = await rejectionOf<OAuthApiError>(client(JSON.stringify(body), 400).refresh(REFRESH_TOKEN));
    expect(error).toBeInstanceOf(OAuthApiError);
    for (const text of [error.message, error.description ?? '']) {
      expect(text.length).toBeLessThan(MESSAGE_BOUND);
      expect(text).toContain("Start of the server's words.");
      expect(text).not.toContain('End.');
      expect(text).toMatch(/\[…cut: \d+ characters in all\]$/);
    }
  });

  it('in error_name and error_path is cut too, so `code` and `path` stay short', async () => {
    const body = { error: { error_name: 'n'.repeat(400_000), error_msg: 'short', error_path: 'p'.repeat(400_000) } };
    const error = await rejectionOf<OAuthApiError>(client(JSON.stringify(body), 400).refresh(REFRESH_TOKEN));
    expect(error.code.length).toBeLessThan(400);
    expect(error.path?.length).toBeLessThan(400);
    expect(error.message.length).toBeLessThan(MESSAGE_BOUND);
  });

  it('never leaves part of a secret behind where it was cut', async () => {
    // Every offset puts the code and the secret astride the cut, whatever the marker's position.
    for (let offset = 4_050; offset < 4_110; offset += 7) {
      const words = `${'w'.repeat(offset)}${CODE}${SECRET}${'z'.repeat(5_000)}`;
      const body = JSON.stringify({ error: { error_name: 'bad_request', error_msg: words } });
      const fetch: FetchLike = async () => new Response(body, { status: 400 });
      const c = new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, fetch, maxRetries: 0 });
      const error = await rejectionOf(c.exchangeCode({ code: CODE, state: STATE }));
      expectNoLeak(error, [SECRET.slice(0, 8), CODE.slice(0, 8)]);
    }
  });

  it('in an HTML page leaves no part of a secret at the end of the excerpt', async () => {
    for (let offset = 150; offset < 210; offset += 3) {
      const page = `<html><body><p>${'w'.repeat(offset)}${CODE}${SECRET} trailing words</p></body></html>`;
      const fetch: FetchLike = async () => new Response(page, { status: 502 });
      const c = new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, fetch, maxRetries: 0 });
      const error = await rejectionOf<OAuthApiError>(c.exchangeCode({ code: CODE, state: STATE }));
      expect(error.description?.startsWith('w')).toBe(true);
      expectNoLeak(error, [SECRET.slice(0, 8), CODE.slice(0, 8)]);
    }
  });
});

describe('a hostile refresh token', () => {
  it('issued by the server as one long run keeps the next error linear', async () => {
    // The server chooses the refresh token too: 300,000 `a`s. The next error body is `a`s with a
    // `b` just where the text is cut (the message bound plus the longest secret), so every prefix
    // of the token almost ends the cut text: looking for where the cut went through the token
    // must not try each prefix in turn (that took minutes).
    const issued = 'a'.repeat(300_000);
    const description = `${'a'.repeat(4_096 + issued.length - 1)}b${'a'.repeat(200_000)}`;
    const answers = [
      new Response(JSON.stringify({ ...TOKEN_BODY, refresh_token: issued }), { status: 200 }),
      new Response(JSON.stringify({ error: 'invalid_request', error_description: description }), { status: 400 }),
    ];
    const fetch: FetchLike = async () => answers.shift() as Response;
    const c = new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, fetch, maxRetries: 0 });
    const tokens = await c.refresh(REFRESH_TOKEN);
    expect(tokens.refreshToken).toBe(issued);

    const started = performance.now();
    const error = await rejectionOf<OAuthApiError>(c.refresh(tokens));
    const { line } = describeFailure(error, 'refresh', [issued]);
    expect(performance.now() - started).toBeLessThan(BUDGET_MS);
    expect(error).toBeInstanceOf(OAuthApiError);
    expect(error.message.length).toBeLessThan(MESSAGE_BOUND);
    expect(line.length).toBeLessThan(MESSAGE_BOUND + 100);
  });
});

describe('response headers named like Object.prototype members', () => {
  it('keep the server’s own value, not the inherited function joined to it', async () => {
    const headers = { constructor: 'from-the-server', valueof: 'v', 'x-ratelimit-limit': '100' };
    const fetch: FetchLike = async () => new Response('{}', { status: 500, headers });
    const c = new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, fetch, maxRetries: 0 });
    const error = await rejectionOf<OAuthApiError>(c.refresh(REFRESH_TOKEN));
    expect(error.headers.constructor).toBe('from-the-server');
    expect(error.headers.valueof).toBe('v');
    expect(JSON.stringify(error.headers)).not.toContain('native code');
  });
});
