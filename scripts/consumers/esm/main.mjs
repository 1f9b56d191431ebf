// An ESM consumer of the packed tarball: imports by package name, runs an exchange and a refresh.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  BadRequestError,
  OAuthApiError,
  OAuthClient,
  OAuthError,
  OAuthValidationError,
  TokenSet,
  VERSION,
} from 'hellosign-oauth';
import * as generated from 'hellosign-oauth/generated';
import { startMockServer } from 'hellosign-oauth/testing';
import { startTokenServer } from './token-server.cjs';

const require = createRequire(import.meta.url);
const loaded = (name) => Object.keys(require.cache).some((path) => path.includes(`/node_modules/${name}/`));
assert.equal(loaded('@redis/client'), false, 'only hellosign-oauth/redis loads redis');
assert.equal(loaded('pg'), false, 'only hellosign-oauth/postgres loads pg');

const packageJson = require('hellosign-oauth/package.json');
assert.equal(VERSION, packageJson.version);
assert.equal(typeof generated.OAuthApi, 'function');
assert.equal(typeof generated.Configuration, 'function');

const server = await startTokenServer();
try {
  const client = new OAuthClient({
    clientId: 'esm-client',
    clientSecret: 'esm-secret',
    baseUrl: server.baseUrl,
    allowInsecureHttp: true,
  });
  const { state } = client.authorizeUrl();
  const exchanged = await client.exchangeCodeWithResponse({ code: 'code-1', state, expectedState: state });
  assert.ok(exchanged.data instanceof TokenSet);
  assert.equal(exchanged.status, 200);
  assert.equal(exchanged.data.accessToken, 'access-1');
  assert.equal(exchanged.rateLimit?.remaining, 99);
  assert.equal(loaded('node-fetch'), false, 'the default transport is node:http: no dependency is loaded');

  const refreshed = await client.refresh(exchanged.data);
  assert.equal(refreshed.accessToken, 'access-2');
  assert.equal(refreshed.refreshToken, 'refresh-2');

  const failure = await client.refresh('refresh-unknown').catch((error) => error);
  assert.ok(failure instanceof BadRequestError && failure instanceof OAuthApiError && failure instanceof OAuthError);
  assert.equal(failure.requiresReauthorization, true);
  assert.equal(failure.name, 'BadRequestError', 'bundling keeps class names');

  assert.deepEqual(
    server.requests.map((request) => [request.url, request.body.grant_type]),
    [
      ['/oauth/token', 'authorization_code'],
      ['/oauth/token?refresh', 'refresh_token'],
      ['/oauth/token?refresh', 'refresh_token'],
    ],
  );
  assert.match(server.requests[0].userAgent, new RegExp(`^hellosign-oauth/${VERSION} `));
} finally {
  await server.close();
}

// The mock server from hellosign-oauth/testing, driven by the client as a test suite would.
const mock = await startMockServer();
try {
  const client = new OAuthClient({
    clientId: mock.clientId,
    clientSecret: mock.clientSecret,
    baseUrl: mock.url,
    allowInsecureHttp: true,
  });
  const code = mock.issueCode({ state: 'esm-state' });
  const tokens = await client.exchangeCode({ code, state: 'esm-state' });
  assert.ok(mock.isAccessTokenActive(tokens.accessToken));
  const refreshed = await client.refresh(tokens);
  assert.ok(mock.isAccessTokenActive(refreshed.accessToken));
} finally {
  await mock.close();
}

// hellosign-oauth/redis shares the main entry's classes: its errors are the same OAuthError.
const { RedisTokenStore } = await import('hellosign-oauth/redis');
assert.throws(() => new RedisTokenStore({ client: {} }), OAuthValidationError);

// hellosign-oauth/postgres loads pg (an optional peer, installed here) and shares the error classes.
const { PostgresTokenStore, postgresSchemaSql } = await import('hellosign-oauth/postgres');
assert.throws(() => new PostgresTokenStore({ connectionString: 'mysql://x' }), OAuthValidationError);
assert.match(postgresSchemaSql(), /CREATE TABLE IF NOT EXISTS "hellosign_oauth_grants"/);

// hellosign-oauth/encryption over the main entry's MemoryTokenStore, checked by the conformance kit.
const { encryptedStore } = await import('hellosign-oauth/encryption');
const { storeConformanceChecks } = await import('hellosign-oauth/testing');
const { MemoryTokenStore } = await import('hellosign-oauth');
const keys = { k1: Buffer.alloc(32, 7) };
for (const check of storeConformanceChecks(() =>
  encryptedStore(new MemoryTokenStore(), { keys, currentKeyId: 'k1' }),
)) {
  await check.run();
}
// hellosign-oauth/dropbox-sign loads without the optional @dropbox/sign peer (it imports none of
// it), and a session calls the mock server's REST API with its token.
const { dropboxSignInterceptor } = await import('hellosign-oauth/dropbox-sign');
const api = await startMockServer();
try {
  const apiClient = new OAuthClient({
    clientId: api.clientId,
    clientSecret: api.clientSecret,
    baseUrl: api.url,
    apiBaseUrl: api.apiBaseUrl,
    allowInsecureHttp: true,
  });
  const session = apiClient.session(
    TokenSet.fromJSON({ accessToken: api.issueTokens().access_token, tokenType: 'Bearer' }),
  );
  assert.equal((await session.fetch('/account')).status, 200);
  const sdkRequest = { url: `${api.apiBaseUrl}/account`, headers: {} };
  await dropboxSignInterceptor(session)(sdkRequest);
  assert.match(sdkRequest.headers.Authorization, /^Bearer /);
} finally {
  await api.close();
}
console.log(
  'esm consumer: exchange and refresh ok (own server and hellosign-oauth/testing), redis and postgres subpaths load, encrypted store conforms, session.fetch and dropbox-sign ok',
);
