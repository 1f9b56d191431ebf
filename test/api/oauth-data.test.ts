import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OAuthValidationError, TokenSet } from '../../src/index.js';

const created = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'account-create-oauth-response.json'), 'utf8'),
);

describe('TokenSet.fromOAuthData', () => {
  test('reads the oauth_data of the official POST /v3/account/create example', () => {
    const receivedAt = Date.parse('2030-01-01T00:00:00Z');
    for (const input of [created, created.oauth_data]) {
      const tokens = TokenSet.fromOAuthData(input, receivedAt);
      expect(tokens).toBeInstanceOf(TokenSet);
      expect(tokens.toJSON()).toEqual({
        accessToken: created.oauth_data.access_token,
        refreshToken: created.oauth_data.refresh_token,
        tokenType: 'Bearer',
        expiresIn: 86400,
        expiresAt: '2030-01-02T00:00:00.000Z',
        state: undefined,
      });
    }
  });

  test.each([
    ['no object', 'a string'],
    ['null oauth_data', { oauth_data: null }],
    ['no access_token', { oauth_data: { token_type: 'Bearer' } }],
    ['a negative expires_in', { oauth_data: { access_token: 'abcdefgh', expires_in: -1 } }],
    // Not JSON at all: JSON.stringify threw a TypeError of its own for these.
    ['a BigInt field', { oauth_data: { access_token: 'abcdefgh', expires_in: 3600n } }],
    [
      'a cycle',
      (() => {
        const data: Record<string, unknown> = { access_token: 'abcdefgh' };
        data.self = data;
        return { oauth_data: data };
      })(),
    ],
  ])('refuses %s with OAuthValidationError, quoting no token', (_case, input) => {
    const attempt = () => TokenSet.fromOAuthData(input);
    expect(attempt).toThrow(OAuthValidationError);
    expect(attempt).toThrow(/^oauth_data/);
    expect(attempt).not.toThrow(/abcdefgh/);
  });

  test('a refused oauth_data with a refresh token does not point to an issuedRefreshToken() the error lacks', () => {
    const input = { oauth_data: { access_token: 'abcdefgh', expires_in: 'soon', refresh_token: 'refresh-12345678' } };
    const error = (() => {
      try {
        TokenSet.fromOAuthData(input);
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(OAuthValidationError);
    expect(error?.message).toBe('oauth_data has a non-numeric "expires_in".');
    expect('issuedRefreshToken' in (error as object)).toBe(false);
  });

  test.each([
    ['NaN', Number.NaN],
    ['a string', '2030-01-01'],
    ['a Date', new Date('2030-01-01T00:00:00Z')],
  ])('refuses a receivedAt that is %s, naming it, instead of computing a wrong expiry', (_case, receivedAt) => {
    const attempt = () => TokenSet.fromOAuthData(created, receivedAt as never);
    expect(attempt).toThrow(OAuthValidationError);
    expect(attempt).toThrow(/receivedAt/);
  });
});
