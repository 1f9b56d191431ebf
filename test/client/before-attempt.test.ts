import { OAuthClient, OAuthError, OAuthValidationError } from '../../src/index.js';

/** A fetch that answers each request with the next reply and records the refresh token it carried. */
function fetchAnswering(...replies: { status: number; body: object; headers?: Record<string, string> }[]) {
  const sent: string[] = [];
  const fetch = async (_url: string, init: { body?: string }) => {
    sent.push(String(JSON.parse(init.body ?? '{}').refresh_token));
    const reply = replies[sent.length - 1];
    const headers = new Headers({ 'content-type': 'application/json', ...reply.headers });
    const text = JSON.stringify(reply.body);
    return { status: reply.status, headers, text: async () => text };
  };
  return { fetch, sent };
}

const TOKENS = {
  access_token: 'access-token-1',
  refresh_token: 'refresh-token-1',
  token_type: 'bearer',
  expires_in: 3600,
};
const RATE_LIMITED = { status: 429, body: { error: { error_name: 'exceeded_rate' } }, headers: { 'retry-after': '0' } };

function clientWith(fetch: ReturnType<typeof fetchAnswering>['fetch']) {
  return new OAuthClient({ clientId: 'client-id', clientSecret: 'client-secret-value', fetch, timeoutMs: 1234 });
}

describe('refresh › beforeAttempt', () => {
  test('is awaited right before every attempt, retries included, with the attempt timeout', async () => {
    const { fetch, sent } = fetchAnswering(RATE_LIMITED, { status: 200, body: TOKENS });
    const calls: { timeoutMs: number; sentSoFar: number }[] = [];

    const tokens = await clientWith(fetch).refresh('refresh-token-0', {
      beforeAttempt: async ({ timeoutMs }) => {
        calls.push({ timeoutMs, sentSoFar: sent.length });
      },
    });

    expect(tokens.accessToken).toBe('access-token-1');
    expect(calls).toEqual([
      { timeoutMs: 1234, sentSoFar: 0 },
      { timeoutMs: 1234, sentSoFar: 1 },
    ]);
  });

  test('a throw stops the refresh with that error, and the attempt is never sent', async () => {
    const { fetch, sent } = fetchAnswering(RATE_LIMITED, { status: 200, body: TOKENS });
    const stop = new OAuthError('The lock is gone.', 'TEST_STOP');
    let attempt = 0;

    const refreshed = clientWith(fetch).refresh('refresh-token-0', {
      beforeAttempt: () => {
        attempt += 1;
        if (attempt === 2) throw stop;
      },
    });

    await expect(refreshed).rejects.toBe(stop);
    expect(sent).toEqual(['refresh-token-0']);
  });

  test('must be a function', async () => {
    const { fetch } = fetchAnswering();
    await expect(
      clientWith(fetch).refresh('refresh-token-0', { beforeAttempt: 'yes' as unknown as () => void }),
    ).rejects.toBeInstanceOf(OAuthValidationError);
  });
});
