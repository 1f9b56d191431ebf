// The request path is loaded on the first request (src/internal/request-path-loader.ts). A first
// load that fails (EMFILE under load, a file replaced by a deploy) must fail that call with a
// typed error and leave later calls free to load it again, not break the client for good.
import type * as Core from '../../src/index.js';
import { type MockServer, startMockServer } from '../../src/testing/index.js';

let server: MockServer;
beforeEach(async () => {
  server = await startMockServer();
});
afterEach(async () => {
  await server.close();
  jest.dontMock('../../src/internal/request-path');
});

/** A fresh copy of the package whose first load of the request path throws `failure`. */
function coreWithFailingFirstLoad(failure: Error): typeof Core {
  let loads = 0;
  jest.doMock('../../src/internal/request-path', () => {
    loads += 1;
    if (loads === 1) throw failure;
    return jest.requireActual('../../src/internal/request-path');
  });
  // A fresh registry: the lazy `require` of the request path, made later, goes to it too.
  jest.resetModules();
  return require('../../src/index') as typeof Core;
}

function emfile(): Error {
  return Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
}

describe('the lazily loaded request path', () => {
  test('client.refresh: a failed first load fails that call, typed, and the next call loads it again', async () => {
    const core = coreWithFailingFirstLoad(emfile());
    const isolated = new core.OAuthClient({
      clientId: server.clientId,
      clientSecret: server.clientSecret,
      baseUrl: server.url,
      allowInsecureHttp: true,
    });
    const issued = server.issueTokens();

    const first = await isolated.refresh(issued.refresh_token).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(core.OAuthConnectionError);
    expect(server.requests.oauthTokenRefresh).toBe(0);

    const tokens = await isolated.refresh(issued.refresh_token);
    expect(tokens.accessToken).toEqual(expect.any(String));
    expect(server.requests.oauthTokenRefresh).toBe(1);
  });

  test('session.fetch: a failed first load fails that call with an OAuthError, and the next call loads it again', async () => {
    const core = coreWithFailingFirstLoad(emfile());
    const isolated = new core.OAuthClient({
      clientId: server.clientId,
      clientSecret: server.clientSecret,
      baseUrl: server.url,
      apiBaseUrl: server.apiBaseUrl,
      allowInsecureHttp: true,
    });
    const issued = server.issueTokens();
    const session = isolated.session({
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
      tokenType: 'Bearer',
    });

    const first = await session.fetch('/account').catch((error: unknown) => error);
    expect(first).toBeInstanceOf(core.OAuthError);
    expect(server.apiCalls()).toEqual([]);

    const response = await session.fetch('/account');
    expect(response.status).toBe(200);
    expect(server.apiCalls()).toHaveLength(1);
  });
});
