import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  InvalidResponseError,
  isOAuthApiError,
  isOAuthError,
  OAUTH_ERROR_CODES,
  OAuthAbortError,
  OAuthApiError,
  OAuthError,
  OAuthTimeoutError,
  OAuthValidationError,
  RateLimitError,
  StateMismatchError,
  TokenNotFoundError,
} from '../../src/index.js';

/** Every `'OAUTH_…'` string literal in src/, i.e. every code an error of ours can carry. */
function codesUsedInSource(): Set<string> {
  const codes = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('error-codes.ts')) {
        for (const match of readFileSync(path, 'utf8').matchAll(/'(OAUTH_[A-Z_]+)'/g)) codes.add(match[1]);
      }
    }
  };
  walk(join(__dirname, '../../src'));
  return codes;
}

describe('error codes', () => {
  it('OAUTH_ERROR_CODES lists every code an error of this package carries, and no other', () => {
    expect([...codesUsedInSource()].sort()).toEqual([...OAUTH_ERROR_CODES].sort());
  });
});

describe('isOAuthError', () => {
  it.each([
    ['OAuthValidationError', new OAuthValidationError('bad')],
    ['StateMismatchError', new StateMismatchError()],
    ['OAuthTimeoutError', new OAuthTimeoutError(10)],
    ['OAuthAbortError', new OAuthAbortError()],
    ['TokenNotFoundError', new TokenNotFoundError('k')],
    ['OAuthApiError', new OAuthApiError({ status: 400, headers: {}, serverCode: 'invalid_grant' })],
  ])('recognises a %s', (_name, error) => {
    expect(isOAuthError(error)).toBe(true);
  });

  it.each([
    ['a plain Error', new Error('x')],
    ['a look-alike with a code', Object.assign(new Error('x'), { code: 'OAUTH_TIMEOUT' })],
    ['a string', 'OAUTH_TIMEOUT'],
    ['null', null],
  ])('rejects %s', (_name, value) => {
    expect(isOAuthError(value)).toBe(false);
  });

  it('narrows to one code when given one', () => {
    const error: unknown = new OAuthTimeoutError(10);
    expect(isOAuthError(error, 'OAUTH_TIMEOUT')).toBe(true);
    expect(isOAuthError(error, 'OAUTH_ABORTED')).toBe(false);
  });

  it('recognises an error from another copy of the package, where instanceof fails', () => {
    let other: typeof import('../../src/index.js') | undefined;
    jest.isolateModules(() => {
      other = require('../../src/index.js');
    });
    const foreign = new (other as typeof import('../../src/index.js')).OAuthAbortError();
    expect(foreign).not.toBeInstanceOf(OAuthError);
    expect(isOAuthError(foreign, 'OAUTH_ABORTED')).toBe(true);
    expect(other?.isOAuthError(new OAuthAbortError())).toBe(true);
  });
});

describe('isOAuthApiError', () => {
  it('is true for a server error (any status class) and false for our own errors', () => {
    expect(isOAuthApiError(new RateLimitError({ status: 429, headers: {} }))).toBe(true);
    expect(isOAuthApiError(new OAuthApiError({ status: 503, headers: {} }))).toBe(true);
    expect(isOAuthApiError(new InvalidResponseError('no token', 200, {}))).toBe(false);
    expect(isOAuthApiError(new OAuthTimeoutError(10))).toBe(false);
    expect(isOAuthApiError({ status: 400, requiresReauthorization: true })).toBe(false);
  });
});
