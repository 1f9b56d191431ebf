import { AccountApi, HttpError } from '@dropbox/sign';
import { dropboxSignInterceptor, withDropboxSignRetry } from '../../src/dropbox-sign/index.js';
import { OAuthValidationError, TokenManager } from '../../src/index.js';
import { apiHarness, closeAll, otherOrigin, rejectionOf, renderings, tokensFrom } from '../api/support.js';

afterEach(closeAll);

describe('@dropbox/sign 1.11 with dropboxSignInterceptor', () => {
  test('the real AccountApi gets the managed bearer token', async () => {
    const { server, session } = await apiHarness();
    const api = new AccountApi(server.apiBaseUrl);
    api.addInterceptor(dropboxSignInterceptor(session));

    const { body } = await api.accountGet();

    expect(body.account?.emailAddress).toMatch(/^user-[0-9a-f]{8}@example\.com$/);
    expect(body.account?.quotas?.apiSignatureRequestsLeft).toBe(1250);
    expect(server.apiCalls()).toEqual([{ method: 'GET', path: '/v3/account', auth: 'active', body: '' }]);
  });

  test('withDropboxSignRetry: a 401 causes one refresh and one retry; the token is redacted from the result', async () => {
    const { server, session, grant } = await apiHarness();
    const api = new AccountApi(server.apiBaseUrl);
    api.addInterceptor(dropboxSignInterceptor(session));
    server.expireAccessToken(grant.accessToken);

    const result = await withDropboxSignRetry(session, () => api.accountGet());

    expect(result.response.status).toBe(200);
    expect(server.apiCalls().map((call) => call.auth)).toEqual(['expired', 'active']);
    expect(server.requests.oauthTokenRefresh).toBe(1);
    for (const text of renderings(result)) expect(text).not.toContain(session.tokens.accessToken);
  });

  test('a second 401 rejects with the SDK error, carrying no token', async () => {
    const { server, session, grant } = await apiHarness();
    const api = new AccountApi(server.apiBaseUrl);
    api.addInterceptor(dropboxSignInterceptor(session));
    const body = JSON.stringify({ error: { error_msg: 'Still no.', error_name: 'unauthorized' } });
    server.inject({
      type: 'respond',
      status: 401,
      body,
      headers: { 'content-type': 'application/json' },
      operation: 'other',
      times: 2,
    });

    const error = await rejectionOf<HttpError>(withDropboxSignRetry(session, () => api.accountGet()));

    expect(error).toBeInstanceOf(HttpError);
    expect(error.statusCode).toBe(401);
    expect(error.body.error.errorMsg).toBe('Still no.');
    expect(server.requests.other).toBe(2);
    expect(server.requests.oauthTokenRefresh).toBe(1);
    for (const text of renderings(error)) {
      expect(text).not.toContain(grant.accessToken);
      expect(text).not.toContain(session.tokens.accessToken);
    }
  });

  test('refuses an SDK pointed at another origin before it sends anything', async () => {
    const { session } = await apiHarness();
    const other = await otherOrigin();
    const api = new AccountApi(`${other.url}/v3`);
    api.addInterceptor(dropboxSignInterceptor(session));

    const error = await rejectionOf<OAuthValidationError>(api.accountGet());

    expect(error).toBeInstanceOf(OAuthValidationError);
    expect(error.code).toBe('OAUTH_FOREIGN_ORIGIN');
    expect(other.seen).toEqual([]);
  });

  test('a redirect to another origin arrives without the token', async () => {
    const { server, session, grant } = await apiHarness();
    const other = await otherOrigin();
    server.inject({
      type: 'respond',
      status: 302,
      body: '',
      headers: { location: `${other.url}/v3/account` },
      operation: 'other',
    });
    const api = new AccountApi(server.apiBaseUrl);
    api.addInterceptor(dropboxSignInterceptor(session));

    await api.accountGet().catch(() => undefined);

    expect(other.seen).toHaveLength(1);
    expect(other.seen[0].headers.authorization).toBeUndefined();
    expect(JSON.stringify(other.seen)).not.toContain(grant.accessToken);
  });

  test('the manager form uses the grant under the key', async () => {
    const { server, client } = await apiHarness();
    const manager = new TokenManager({ client });
    const alice = tokensFrom(server, Date.now());
    await manager.setTokens('alice', alice);
    server.revokeAccessToken(alice.accessToken);
    const api = new AccountApi(server.apiBaseUrl);
    api.addInterceptor(dropboxSignInterceptor(manager, 'alice'));

    const { body } = await withDropboxSignRetry(manager, 'alice', () => api.accountGet());

    expect(body.account?.accountId).toMatch(/^[0-9a-f]{40}$/);
    expect(server.apiCalls().map((call) => call.auth)).toEqual(['revoked', 'active']);
    expect(() => dropboxSignInterceptor(manager, '')).toThrow(OAuthValidationError);
    expect(() => dropboxSignInterceptor({} as never)).toThrow(OAuthValidationError);
  });
});
