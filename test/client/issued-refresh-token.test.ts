import { type FetchLike, InvalidResponseError, OAuthClient } from '../../src/index.js';
import { CLIENT_ID, CODE, expectNoLeak, REFRESH_TOKEN, rejectionOf, SECRET, STATE, TOKEN_BODY } from './support.js';

function clientAnswering(body: unknown): OAuthClient {
  const fetch: FetchLike = async () => new Response(JSON.stringify(body), { status: 200 });
  return new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET, fetch });
}

describe('a 200 that carries a refresh token but fails strict parsing', () => {
  it.each<[string, Record<string, unknown>]>([
    ['a numeric token_type', { token_type: 1 }],
    ['a negative expires_in', { expires_in: -5 }],
    ['an expires_in past a century', { expires_in: 1e12 }],
    ['no access_token', { access_token: undefined }],
  ])('(%s) after a code exchange: the error carries the refresh token, printed nowhere', async (_label, bad) => {
    const error = await rejectionOf<InvalidResponseError>(
      clientAnswering({ ...TOKEN_BODY, ...bad }).exchangeCode({ code: CODE, state: STATE }),
    );
    expect(error).toBeInstanceOf(InvalidResponseError);
    // The code is spent: without this, the grant would be lost with the error.
    expect(error.issuedRefreshToken()).toBe(REFRESH_TOKEN);
    expect(error.message).toContain('issuedRefreshToken()');
    expectNoLeak(error);
  });

  it('carries nothing when the refresh token itself is what is malformed', async () => {
    const error = await rejectionOf<InvalidResponseError>(
      clientAnswering({ ...TOKEN_BODY, refresh_token: 5 }).exchangeCode({ code: CODE, state: STATE }),
    );
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect(error.issuedRefreshToken()).toBeUndefined();
    expect(error.message).not.toContain('issuedRefreshToken');
  });
});
