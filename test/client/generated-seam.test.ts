// Every assumption the wrapper makes about generated/ is one test here, named by the assumption, so
// a generator upgrade that breaks one fails with a line saying which (docs/upgrading-the-generator.md).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { OAuthTokenResponseFromJSON } from '../../generated/models/OAuthTokenResponse.js';
import { BASE_PATH, BaseAPI, RequiredError } from '../../generated/runtime.js';
import { createTransport } from '../../src/client/transport.js';
import { OAuthAbortError, type OAuthApiError, OAuthClient, OAuthValidationError } from '../../src/index.js';
import {
  GeneratedRequests,
  GeneratedSeamError,
  type OutgoingRequest,
  SEAM,
} from '../../src/internal/generated-seam.js';
import { CLIENT_ID, CODE, REFRESH_TOKEN, rejectionOf, SECRET, STATE, startServer, TOKEN_BODY } from './support.js';

const BASE = 'https://oauth.example.test';
const requests = new GeneratedRequests(BASE);

const generateParameters = {
  oAuthTokenGenerateRequest: {
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    code: CODE,
    state: STATE,
    grantType: 'authorization_code',
  },
};
const refreshParameters = {
  oAuthTokenRefreshRequest: {
    grantType: 'refresh_token',
    refreshToken: REFRESH_TOKEN,
    clientId: CLIENT_ID,
    clientSecret: SECRET,
  },
};

type CreateFetchParams = (...args: unknown[]) => Promise<{ url: string; init: RequestInit }>;
const runtime = BaseAPI.prototype as unknown as { createFetchParams: CreateFetchParams };

/** Runs `body` with the generated runtime's private request assembly changed the way `change` says. */
async function withChangedRuntime<T>(
  change: (built: { url: string; init: RequestInit }) => { url: string; init: RequestInit },
  body: () => Promise<T>,
): Promise<T> {
  const original = runtime.createFetchParams;
  runtime.createFetchParams = async function (this: unknown, ...args: unknown[]) {
    return change(await original.apply(this, args));
  };
  try {
    return await body();
  } finally {
    runtime.createFetchParams = original;
  }
}

describe('the seam with generated/: each assumption the wrapper makes', () => {
  it(SEAM.buildsThroughFetchApi, async () => {
    const built = await requests.tokenGenerate(generateParameters);
    expect(built.url).toBe(`${BASE}/oauth/token`);
  });

  it(SEAM.resolvesOn2xx, async () => {
    await expect(requests.tokenRefresh(refreshParameters)).resolves.toMatchObject({ method: 'POST' });
  });

  it(SEAM.absoluteUrl, async () => {
    expect((await requests.tokenGenerate(generateParameters)).url).toBe(`${BASE}/oauth/token`);
    expect((await requests.tokenRefresh(refreshParameters)).url).toBe(`${BASE}/oauth/token?refresh`);
  });

  it(SEAM.method, async () => {
    expect((await requests.tokenGenerate(generateParameters)).method).toBe('POST');
    expect((await requests.tokenRefresh(refreshParameters)).method).toBe('POST');
  });

  it(SEAM.jsonBody, async () => {
    const generate = await requests.tokenGenerate(generateParameters);
    expect(generate.headers['content-type']).toBe('application/json');
    expect(JSON.parse(generate.body ?? '')).toEqual({
      client_id: CLIENT_ID,
      client_secret: SECRET,
      code: CODE,
      state: STATE,
      grant_type: 'authorization_code',
    });
    const refresh = await requests.tokenRefresh(refreshParameters);
    expect(JSON.parse(refresh.body ?? '')).toEqual({
      grant_type: 'refresh_token',
      refresh_token: REFRESH_TOKEN,
      client_id: CLIENT_ID,
      client_secret: SECRET,
    });
  });

  it(SEAM.requiredError, async () => {
    const missing = { oAuthTokenRefreshRequest: null } as unknown as typeof refreshParameters;
    const error = await rejectionOf(requests.tokenRefresh(missing));
    expect(error).toBeInstanceOf(OAuthValidationError);
    expect((error as Error).message).toBe('Missing required parameter oAuthTokenRefreshRequest.');
    expect(new RequiredError('field', 'message').field).toBe('field');
  });

  it(SEAM.responseModel, () => {
    expect(OAuthTokenResponseFromJSON(TOKEN_BODY)).toEqual({
      accessToken: TOKEN_BODY.access_token,
      tokenType: TOKEN_BODY.token_type,
      refreshToken: TOKEN_BODY.refresh_token,
      expiresIn: TOKEN_BODY.expires_in,
      state: TOKEN_BODY.state,
    });
  });

  it(SEAM.defaultBasePath, () => {
    expect(BASE_PATH).toBe('https://app.hellosign.com');
  });
});

describe('the seam fails loudly, naming the assumption, when the generated code changes under it', () => {
  it('a runtime that no longer serialises the body fails naming the JSON-body assumption', async () => {
    const error = await withChangedRuntime(
      ({ url, init }) => ({ url, init: { ...init, body: JSON.parse(String(init.body)) } }),
      () => rejectionOf(requests.tokenGenerate(generateParameters)),
    );
    expect(error).toBeInstanceOf(GeneratedSeamError);
    expect((error as Error).message).toBe(
      `Generated-code seam broken: expected ${SEAM.jsonBody}. See docs/upgrading-the-generator.md.`,
    );
    expect((error as Error).message).not.toContain(SECRET);
  });

  it('a runtime that drops the method fails naming the method assumption', async () => {
    const error = await withChangedRuntime(
      ({ url, init }) => ({ url, init: { headers: init.headers, body: init.body } }),
      () => rejectionOf(requests.tokenRefresh(refreshParameters)),
    );
    expect((error as Error).message).toContain(SEAM.method);
  });

  it('a runtime that sends a relative URL fails naming the URL assumption', async () => {
    const error = await withChangedRuntime(
      ({ url, init }) => ({ url: url.slice(BASE.length), init }),
      () => rejectionOf(requests.tokenRefresh(refreshParameters)),
    );
    expect((error as Error).message).toContain(SEAM.absoluteUrl);
  });

  it('the review’s change (createFetchParams copying named fields, not spreading init) changes nothing', async () => {
    // The per-call context no longer rides in RequestInit, so a runtime that copies only the
    // standard fields cannot lose it: the secrets are still scrubbed and the call still works.
    const server = await startServer((_request, response) => {
      response.writeHead(400, { 'content-type': 'application/json', 'x-echo': REFRESH_TOKEN });
      response.end(JSON.stringify({ error: 'invalid_grant', error_description: `bad token ${REFRESH_TOKEN}` }));
    });
    try {
      const client = new OAuthClient({
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        baseUrl: server.url,
        allowInsecureHttp: true,
      });
      const error = await withChangedRuntime(
        ({ url, init }) => ({
          url,
          init: { method: init.method, headers: init.headers, body: init.body, credentials: init.credentials },
        }),
        () => rejectionOf(client.refresh(REFRESH_TOKEN)),
      );
      expect((error as { code?: string }).code).toBe('invalid_grant');
      expect((error as Error).message).not.toContain(REFRESH_TOKEN);
      expect((error as OAuthApiError).headers['x-echo']).not.toContain(REFRESH_TOKEN);
      expect(JSON.parse(server.requests[0].body).refresh_token).toBe(REFRESH_TOKEN);
    } finally {
      await server.close();
    }
  });

  it('under the review’s change the caller’s AbortSignal still stops the call', async () => {
    const server = await startServer(() => undefined);
    try {
      const client = new OAuthClient({
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        baseUrl: server.url,
        allowInsecureHttp: true,
        timeoutMs: 5000,
      });
      const error = await withChangedRuntime(
        ({ url, init }) => ({ url, init: { method: init.method, headers: init.headers, body: init.body } }),
        () => rejectionOf(client.refresh(REFRESH_TOKEN, { signal: AbortSignal.timeout(50) })),
      );
      expect(error).toBeInstanceOf(OAuthAbortError);
    } finally {
      await server.close();
    }
  });
});

describe('the transport refuses to send without a call context', () => {
  it('rejects before fetch is called, so nothing leaves unredacted', async () => {
    const fetch = jest.fn();
    const send = createTransport({
      fetch,
      timeoutMs: 1000,
      maxRetries: 0,
      retryBaseDelayMs: 1,
      maxRetryAfterMs: 1,
      maxResponseBytes: 1024,
      now: Date.now,
    });
    const request = await requests.tokenRefresh(refreshParameters);
    const missing = undefined as unknown as Parameters<typeof send>[1];
    await expect(send(request, missing)).rejects.toThrow('transport called without a CallContext');
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('concurrent calls through the seam', () => {
  // The generated APIs are reused between calls (src/internal/generated-seam.ts): one in use by a
  // call must never capture another call's request, which would send that call's refresh token.
  const tokens = Array.from({ length: 24 }, (_, index) => `${REFRESH_TOKEN}-${index}`);

  it('each concurrent build captures its own request', async () => {
    const built = await Promise.all(
      tokens.map((refreshToken) =>
        requests.tokenRefresh({
          oAuthTokenRefreshRequest: { ...refreshParameters.oAuthTokenRefreshRequest, refreshToken },
        }),
      ),
    );
    expect(built.map((request) => JSON.parse(request.body ?? '').refresh_token)).toEqual(tokens);
  });

  it('each concurrent refresh sends its own refresh token, once', async () => {
    const server = await startServer((_request, response, body) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ...TOKEN_BODY, access_token: `for-${JSON.parse(body).refresh_token}` }));
    });
    try {
      const client = new OAuthClient({
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        baseUrl: server.url,
        allowInsecureHttp: true,
      });
      await client.refresh(REFRESH_TOKEN); // A first call leaves a generated API to reuse.
      const results = await Promise.all(tokens.map((refreshToken) => client.refresh(refreshToken)));
      expect(results.map((tokenSet) => tokenSet.accessToken)).toEqual(tokens.map((token) => `for-${token}`));
      const sent = server.requests
        .slice(1)
        .map((request) => JSON.parse(request.body).refresh_token)
        .sort();
      expect(sent).toEqual([...tokens].sort());
    } finally {
      await server.close();
    }
  });

  it('an idle generated API keeps nothing of the request it built (the refresh token, the client secret)', async () => {
    const own = new GeneratedRequests(BASE);
    let built: OutgoingRequest | undefined = await own.tokenRefresh(refreshParameters);
    expect(built.body).toContain(REFRESH_TOKEN);
    const request = new WeakRef(built);
    built = undefined;
    await new Promise((resolve) => setImmediate(resolve));

    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();

    expect(request.deref()).toBeUndefined();
    await expect(own.tokenRefresh(refreshParameters)).resolves.toMatchObject({ method: 'POST' });
  });
});
