import { inspect } from 'node:util';
import { InvalidResponseError, MemoryTokenStore, TokenManager, type TokenStore } from '../../src/index.js';
import { renderings } from '../support.js';
import { harness, PlainStore, type Responder, rejectionOf, SECRET, settle, tokensExpiringIn } from './support.js';

const ORIGINAL = 'refresh-original-hNTI2MTFm';
const ROTATED = 'refresh-rotated-hNTI2MTFmM2Vm';

/**
 * A server that rotates refresh tokens (each one works once) and whose first answer is a 200 that
 * carries the new refresh token but fails strict parsing on `malformed`; later answers are good.
 */
function rotatingServer(malformed: Record<string, unknown>): Responder {
  let current = ORIGINAL;
  return (request, index) => {
    if (request.refreshToken !== current) {
      return { status: 400, body: { error: 'invalid_grant', error_description: 'Refresh token reused.' } };
    }
    current = index === 0 ? ROTATED : `refresh-next-${index}-hNTI2`;
    const good = { access_token: `access-${index}-NWNiOTMx`, refresh_token: current, expires_in: 60 };
    return { body: index === 0 ? { ...good, ...malformed } : good };
  };
}

const STORES: [string, () => TokenStore][] = [
  ['MemoryTokenStore (compareAndSet)', () => new MemoryTokenStore()],
  ['a plain get/set/delete store', () => new PlainStore()],
];

const MALFORMED: [string, Record<string, unknown>][] = [
  ['a numeric token_type', { token_type: 1 }],
  ['a negative expires_in', { expires_in: -5 }],
  ['no access_token', { access_token: undefined }],
];

describe.each(STORES)('a rotated refresh token in a response that fails parsing, over %s', (_name, makeStore) => {
  test.each(MALFORMED)('(%s) is stored before the error is thrown, and the next refresh sends it', async (_l, bad) => {
    const { client, clock, server } = harness();
    server.respond = rotatingServer(bad);
    const manager = new TokenManager({ client, store: makeStore() });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1, 'a', ORIGINAL));

    const error = await rejectionOf<InvalidResponseError>(manager.getAccessToken('user-1'));
    expect(error).toBeInstanceOf(InvalidResponseError);
    const kept = await manager.getTokens('user-1');
    expect(kept?.refreshToken).toBe(ROTATED);
    // The access token was not replaced: the response that would have replaced it was refused.
    expect(kept?.accessToken).toBe('access-a-MDZhYzBlMGI1YzQ0');
    expect(error.issuedRefreshToken()).toBe(ROTATED);

    await expect(manager.getAccessToken('user-1')).resolves.toBe('access-1-NWNiOTMx');
    expect(server.received.map((request) => request.refreshToken)).toEqual([ORIGINAL, ROTATED]);
  });

  test('a newer write during the refresh wins over the kept refresh token', async () => {
    const { client, clock, server } = harness();
    server.respond = rotatingServer({ token_type: 1 });
    const manager = new TokenManager({ client, store: makeStore() });
    await manager.setTokens('user-1', tokensExpiringIn(clock, -1, 'a', ORIGINAL));
    const release = server.hold();
    const failing = rejectionOf(manager.getAccessToken('user-1'));
    await settle();
    await manager.setTokens('user-1', tokensExpiringIn(clock, 3600, 'consent', 'refresh-consent-hNTI2'));
    release();

    expect(await failing).toBeInstanceOf(InvalidResponseError);
    expect((await manager.getTokens('user-1'))?.refreshToken).toBe('refresh-consent-hNTI2');
  });
});

describe('the kept refresh token', () => {
  test('reaches onTokens, so a session persisted by the caller does not lose it', async () => {
    const { client, clock, server } = harness();
    server.respond = rotatingServer({ token_type: 1 });
    const persisted: (string | undefined)[] = [];
    const session = client.session(tokensExpiringIn(clock, -1, 'a', ORIGINAL), {
      onTokens: (tokens) => {
        persisted.push(tokens.refreshToken);
      },
    });

    await expect(session.getAccessToken()).rejects.toThrow(InvalidResponseError);
    expect(persisted).toEqual([ROTATED]);
    expect(session.tokens.refreshToken).toBe(ROTATED);
  });

  test('is never printed by the error: not in inspect, JSON, message or stack', async () => {
    const { client, clock, server } = harness();
    server.respond = rotatingServer({ token_type: 1 });
    const error = await rejectionOf<InvalidResponseError>(client.refresh(tokensExpiringIn(clock, -1, 'a', ORIGINAL)));
    expect(error.issuedRefreshToken()).toBe(ROTATED);
    for (const text of [...renderings(error), inspect(error, { showHidden: true, getters: true })]) {
      expect(text).not.toContain(ROTATED);
      expect(text).not.toContain(ORIGINAL);
      expect(text).not.toContain(SECRET);
    }
  });
});
