import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as DropboxSign from '@dropbox/sign';
import nock from 'nock';
import { OAuthClient, TokenSet, VERSION } from '../../src/index.js';
import { releaseNock } from '../nock-release.js';
import {
  CLIENT_ID,
  CODE,
  json,
  makeClient,
  REFRESH_TOKEN,
  type RecordedRequest,
  SECRET,
  STATE,
  startServer,
  type TestServer,
  TOKEN_BODY,
  TRANSPORTS,
} from './support.js';

const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8'));

/** The parts of a request whose meaning must equal the official SDK's. */
function meaning(request: RecordedRequest) {
  return {
    method: request.method,
    url: request.url,
    contentType: request.headers['content-type'],
    body: JSON.parse(request.body),
  };
}

describe('wire format', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer((_request, response) => json(response, 200, TOKEN_BODY));
  });
  afterEach(() => server.close());

  describe.each(TRANSPORTS)('over %s', (_name, fetch) => {
    it('exchangeCode posts the JSON code grant to <base>/oauth/token with the user agent', async () => {
      const client = makeClient(server.url, { fetch, userAgent: 'my-app/2.0' });
      const tokens = await client.exchangeCode({ code: CODE, state: STATE });

      expect(tokens).toBeInstanceOf(TokenSet);
      expect(server.requests).toHaveLength(1);
      const [request] = server.requests;
      expect(request.method).toBe('POST');
      expect(request.url).toBe('/oauth/token');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['user-agent']).toBe(`hellosign-oauth/${VERSION} node/${process.version} my-app/2.0`);
      expect(JSON.parse(request.body)).toEqual({
        client_id: CLIENT_ID,
        client_secret: SECRET,
        code: CODE,
        state: STATE,
        grant_type: 'authorization_code',
      });
    });

    it('refresh always sends client_id and client_secret to exactly <base>/oauth/token?refresh', async () => {
      const client = makeClient(server.url, { fetch });
      await client.refresh(REFRESH_TOKEN);

      expect(server.requests).toHaveLength(1);
      const [request] = server.requests;
      expect(request.method).toBe('POST');
      expect(request.url).toBe('/oauth/token?refresh');
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['user-agent']).toBe(`hellosign-oauth/${VERSION} node/${process.version}`);
      expect(JSON.parse(request.body)).toEqual({
        grant_type: 'refresh_token',
        refresh_token: REFRESH_TOKEN,
        client_id: CLIENT_ID,
        client_secret: SECRET,
      });
    });
  });

  it('keeps a base path prefix and drops its trailing slash', async () => {
    const client = makeClient(`${server.url}/proxy/`);
    await client.refresh(REFRESH_TOKEN);
    expect(server.requests[0].url).toBe('/proxy/oauth/token?refresh');
  });

  describe('compared with @dropbox/sign 1.11 on the same inputs', () => {
    it('sends the same method, URL, content type and body for a code exchange', async () => {
      const sdk = new DropboxSign.OAuthApi(server.url);
      await sdk.oauthTokenGenerate({
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        code: CODE,
        state: STATE,
        grantType: 'authorization_code',
      });
      await makeClient(server.url).exchangeCode({ code: CODE, state: STATE });

      expect(server.requests).toHaveLength(2);
      expect(meaning(server.requests[1])).toEqual(meaning(server.requests[0]));
    });

    it('sends the same method, URL, content type and body for a refresh with client credentials', async () => {
      const sdk = new DropboxSign.OAuthApi(server.url);
      await sdk.oauthTokenRefresh({
        grantType: 'refresh_token',
        refreshToken: REFRESH_TOKEN,
        clientId: CLIENT_ID,
        clientSecret: SECRET,
      });
      await makeClient(server.url).refresh(REFRESH_TOKEN);

      expect(server.requests).toHaveLength(2);
      expect(meaning(server.requests[1])).toEqual(meaning(server.requests[0]));
    });
  });
});

describe('wire format against the official examples (nock)', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(releaseNock);

  it('sends the official generate request to the default host and reads the official response', async () => {
    const request = fixture('token-generate-request.json');
    const scope = nock('https://app.hellosign.com', {
      reqheaders: { 'content-type': 'application/json', 'user-agent': /^hellosign-oauth\/\d+\.\d+\.\d+ node\/v\d+/ },
    })
      .post('/oauth/token', request)
      .reply(200, fixture('token-generate-response.json'));
    const client = new OAuthClient({
      clientId: request.client_id,
      clientSecret: request.client_secret,
      fetch: globalThis.fetch,
      now: () => Date.parse('2030-01-01T00:00:00Z'),
    });

    const tokens = await client.exchangeCode({ code: request.code, state: request.state });

    expect(scope.isDone()).toBe(true);
    expect(tokens.toJSON()).toEqual({
      accessToken: 'NWNiOTMxOGFkOGVjMDhhNTAxZN2NkNjgxMjMwOWJiYTEzZTBmZGUzMjMThhMzYyMzc=',
      refreshToken: 'hNTI2MTFmM2VmZDQxZTZjOWRmZmFjZmVmMGMyNGFjMzI2MGI5YzgzNmE3',
      tokenType: 'Bearer',
      expiresIn: 86400,
      expiresAt: '2030-01-02T00:00:00.000Z',
      state: '900e06e2',
    });
  });

  it('sends the official refresh request plus client credentials and reads the official response', async () => {
    const request = fixture('token-refresh-request.json');
    const scope = nock('https://app.hellosign.com')
      .post('/oauth/token')
      .query({ refresh: '' })
      .reply(200, (_uri, body) => {
        expect(body).toEqual({ ...request, client_id: CLIENT_ID, client_secret: SECRET });
        return fixture('token-refresh-response.json');
      });
    const client = new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET });

    const tokens = await client.refresh(request.refresh_token);

    expect(scope.isDone()).toBe(true);
    expect(tokens.accessToken).toBe('MDZhYzBlMGI1YzQ0ZjI1ZjYzYmUyNmMzZWQ5ZGNmOGYyNmQxMmMyMmQ2NmNiY2M3NW=');
    expect(tokens.refreshToken).toBe(request.refresh_token);
    expect(tokens.state).toBeUndefined();
  });
});
