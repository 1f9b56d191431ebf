// A CommonJS consumer of the packed tarball: requires by package name, runs an exchange and a refresh.
'use strict';
const assert = require('node:assert/strict');
const dependencyLoaded = () =>
  Object.keys(require.cache).some((path) => /node_modules\/(?!hellosign-oauth\/)/.test(path));

const { BadRequestError, OAuthApiError, OAuthClient, OAuthError, TokenSet, VERSION } = require('hellosign-oauth');
const generated = require('hellosign-oauth/generated');
const { startTokenServer } = require('./token-server.cjs');

assert.equal(dependencyLoaded(), false, 'hellosign-oauth has no runtime dependency to load');
assert.equal(VERSION, require('hellosign-oauth/package.json').version);
assert.equal(typeof generated.OAuthApi, 'function');
assert.equal(typeof generated.Configuration, 'function');

async function main() {
  const server = await startTokenServer();
  try {
    const client = new OAuthClient({
      clientId: 'cjs-client',
      clientSecret: 'cjs-secret',
      baseUrl: server.baseUrl,
      allowInsecureHttp: true,
    });
    const { state } = client.authorizeUrl();
    const tokens = await client.exchangeCode({ code: 'code-1', state, expectedState: state });
    assert.ok(tokens instanceof TokenSet);
    assert.equal(tokens.accessToken, 'access-1');
    assert.equal(dependencyLoaded(), false, 'the default transport is node:http: no dependency is loaded');

    const refreshed = await client.refreshWithResponse(tokens.refreshToken);
    assert.equal(refreshed.status, 200);
    assert.equal(refreshed.data.accessToken, 'access-2');
    assert.equal(refreshed.rateLimit?.limit, 100);

    const failure = await client.refresh('refresh-unknown').catch((error) => error);
    assert.ok(failure instanceof BadRequestError && failure instanceof OAuthApiError && failure instanceof OAuthError);
    assert.equal(failure.code, 'invalid_grant');
    assert.equal(failure.name, 'BadRequestError', 'bundling keeps class names');
    // redis is an optional peer, not installed here: only its subpath needs it.
    assert.throws(
      () => require('hellosign-oauth/redis'),
      (error) => error.code === 'MODULE_NOT_FOUND' && /'redis'/.test(error.message),
    );
    assert.throws(
      () => require('hellosign-oauth/postgres'),
      (error) => error.code === 'MODULE_NOT_FOUND' && /'pg'/.test(error.message),
    );
    const { encryptedStore } = require('hellosign-oauth/encryption');
    const inner = new (require('hellosign-oauth').MemoryTokenStore)();
    const encrypted = encryptedStore(inner, { keys: { k1: Buffer.alloc(32, 1) }, currentKeyId: 'k1' });
    await encrypted.set('user', { accessToken: 'cjs-access', tokenType: 'Bearer' });
    assert.equal((await encrypted.get('user')).accessToken, 'cjs-access');
    assert.doesNotMatch(JSON.stringify(inner.peek('user')), /cjs-access/);
    assert.equal(typeof require('hellosign-oauth/testing').startMockServer, 'function');
    assert.deepEqual(server.requests[1].body, {
      grant_type: 'refresh_token',
      refresh_token: 'refresh-1',
      client_id: 'cjs-client',
      client_secret: 'cjs-secret',
    });
  } finally {
    await server.close();
  }
  console.log('cjs consumer: exchange and refresh ok');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
