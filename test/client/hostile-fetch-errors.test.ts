import { type FetchLike, OAuthClient, OAuthConnectionError } from '../../src/index.js';
import { CLIENT_ID, CODE, expectNoLeak, REFRESH_TOKEN, rejectionOf, SECRET, STATE } from './support.js';

/** An error whose every string property carries what the request sent. */
function echoingError(body: string): Error {
  const error = new Error(`request failed: ${body}`);
  error.name = `FetchError[${body}]`;
  Object.assign(error, { code: `E_${body}`, syscall: body, request: { body }, errors: [new Error(body)] });
  error.stack = `${error.name}: ${error.message}\n    at send (${body})`;
  return error;
}

/** A `fetch` that throws whatever `make` builds from the request body. */
const throwing =
  (make: (body: string) => unknown): FetchLike =>
  async (_url, init) => {
    throw make(String(init.body));
  };

const cases: [string, FetchLike][] = [
  ['the body in its name and code', throwing(echoingError)],
  [
    'the body along a chain of causes, in each one’s name and code',
    throwing((body) => {
      const root = echoingError(body);
      const middle = Object.assign(echoingError(body), { cause: root });
      return Object.assign(echoingError(body), { cause: middle });
    }),
  ],
  [
    'a cause chain that is a cycle',
    throwing((body) => {
      const error = echoingError(body);
      Object.assign(error, { cause: error });
      return error;
    }),
  ],
  [
    'getters that throw errors carrying the body',
    throwing((body) => {
      const error = new Error('x');
      for (const key of ['name', 'message', 'code', 'cause']) {
        Object.defineProperty(error, key, {
          get() {
            throw echoingError(body);
          },
        });
      }
      return error;
    }),
  ],
  [
    'a name that is not a string',
    throwing((body) => Object.assign(new Error(body), { name: Symbol(body), code: { body } })),
  ],
  [
    'a thrown object whose toString carries the body',
    throwing((body) => ({ toString: () => body, message: body, name: body })),
  ],
  ['a thrown symbol', throwing((body) => Symbol(body))],
  ['a thrown object without a prototype', throwing((body) => Object.assign(Object.create(null), { body }))],
  [
    'a Proxy that throws on every trap',
    throwing(
      (body) =>
        new Proxy(new Error(body), {
          get() {
            throw new Error(body);
          },
          getPrototypeOf() {
            throw new Error(body);
          },
        }),
    ),
  ],
];

describe('a custom fetch that throws', () => {
  it.each(cases)('with %s: OAuthConnectionError, no secret anywhere in it', async (_label, fetch) => {
    const client = new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, fetch, maxRetries: 0 });
    const exchange = await rejectionOf(client.exchangeCode({ code: CODE, state: STATE }));
    const refresh = await rejectionOf(client.refresh(REFRESH_TOKEN));
    for (const error of [exchange, refresh]) expect(error).toBeInstanceOf(OAuthConnectionError);
    expectNoLeak(exchange, [SECRET, CODE]);
    expectNoLeak(refresh, [SECRET, REFRESH_TOKEN]);
  });

  it('still tells the caller what failed: the name, code and message, scrubbed', async () => {
    const fetch = throwing((body) =>
      Object.assign(new Error(`connect ECONNRESET while sending ${body}`), { name: 'SocketError', code: 'ECONNRESET' }),
    );
    const client = new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, fetch, maxRetries: 0 });
    const error = await rejectionOf<OAuthConnectionError>(client.refresh(REFRESH_TOKEN));
    const cause = error.cause as Error & { code?: string };
    expect(cause).toMatchObject({ name: 'SocketError', code: 'ECONNRESET' });
    expect(cause.message).toMatch(/^connect ECONNRESET while sending .*\[redacted\]/);
  });

  it('bounds what it copies: a megabyte of message becomes a short one', async () => {
    const fetch = throwing(() => Object.assign(new Error('m'.repeat(1_000_000)), { name: 'n'.repeat(1_000_000) }));
    const client = new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, fetch, maxRetries: 0 });
    const error = await rejectionOf<OAuthConnectionError>(client.refresh(REFRESH_TOKEN));
    const cause = error.cause as Error;
    expect(cause.message.length).toBeLessThan(2_000);
    expect(cause.name.length).toBeLessThan(2_000);
  });
});
