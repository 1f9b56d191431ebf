import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import nock from 'nock';
import { BASE_PATH, Configuration, OAuthApi } from '../generated/index.js';
import { releaseNock } from './nock-release.js';

// Official example payloads, copied from shared/reference/examples.
const examples = join(__dirname, 'fixtures');
const example = (name: string) => JSON.parse(readFileSync(join(examples, name), 'utf8'));

describe('generated OAuthApi', () => {
  afterEach(() => nock.cleanAll());
  beforeAll(() => nock.disableNetConnect());
  afterAll(releaseNock);

  it('defaults to the OAuth host, not the REST API host', () => {
    expect(BASE_PATH).toBe('https://app.hellosign.com');
  });

  it('posts the official code-exchange body to /oauth/token and parses the example response', async () => {
    const request = example('token-generate-request.json');
    const scope = nock('https://app.hellosign.com', { reqheaders: { 'content-type': 'application/json' } })
      .post('/oauth/token', (body) => isDeepStrictEqual(body, request))
      .reply(200, example('token-generate-response.json'));

    const api = new OAuthApi(new Configuration({ fetchApi: fetch }));
    const tokens = await api.oauthTokenGenerate({
      oAuthTokenGenerateRequest: {
        state: request.state,
        code: request.code,
        grantType: request.grant_type,
        clientId: request.client_id,
        clientSecret: request.client_secret,
      },
    });

    expect(scope.isDone()).toBe(true);
    expect(tokens).toEqual({
      accessToken: 'NWNiOTMxOGFkOGVjMDhhNTAxZN2NkNjgxMjMwOWJiYTEzZTBmZGUzMjMThhMzYyMzc=',
      tokenType: 'Bearer',
      refreshToken: 'hNTI2MTFmM2VmZDQxZTZjOWRmZmFjZmVmMGMyNGFjMzI2MGI5YzgzNmE3',
      expiresIn: 86400,
      state: '900e06e2',
    });
  });

  it('posts the refresh body to exactly /oauth/token?refresh', async () => {
    const seen: string[] = [];
    const fakeFetch: typeof fetch = async (url, init) => {
      seen.push(String(url), String(init?.body));
      return new Response(JSON.stringify(example('token-refresh-response.json')), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    };
    const request = example('token-refresh-request.json');
    const api = new OAuthApi(new Configuration({ fetchApi: fakeFetch }));
    const tokens = await api.oauthTokenRefresh({
      oAuthTokenRefreshRequest: { grantType: request.grant_type, refreshToken: request.refresh_token },
    });

    expect(seen[0]).toBe('https://app.hellosign.com/oauth/token?refresh');
    expect(JSON.parse(seen[1])).toEqual(request);
    expect(tokens.accessToken).toBe('MDZhYzBlMGI1YzQ0ZjI1ZjYzYmUyNmMzZWQ5ZGNmOGYyNmQxMmMyMmQ2NmNiY2M3NW=');
    expect(tokens.state).toBeUndefined();
  });
});
