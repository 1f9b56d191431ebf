// A TypeScript consumer of the packed tarball, compiled strict under moduleResolution node16 and
// bundler, then run: an exchange and a refresh, plus type-level checks of the public API.
import assert from 'node:assert/strict';
import {
  BadRequestError,
  MemoryTokenStore,
  OAuthClient,
  type OAuthClientOptions,
  OAuthError,
  type RateLimit,
  TokenManager,
  type TokenResponse,
  TokenSet,
  type TokenSetJSON,
  type TokenStore,
  VERSION,
} from 'hellosign-oauth';
import { type DropboxSignInterceptor, dropboxSignInterceptor } from 'hellosign-oauth/dropbox-sign';
import { type EncryptedTokenStore, encryptedStore } from 'hellosign-oauth/encryption';
import { PostgresTokenStore, type PostgresTokenStoreOptions } from 'hellosign-oauth/postgres';
import { RedisTokenStore, type RedisTokenStoreOptions } from 'hellosign-oauth/redis';
import {
  type MockServer,
  type StoreConformanceCheck,
  startMockServer,
  storeConformanceChecks,
} from 'hellosign-oauth/testing';
import { startTokenServer } from './token-server.cjs';

// Never called: compile-time checks that misuse is rejected.
export function rejectedAtCompileTime(tokens: TokenSet): void {
  // @ts-expect-error clientSecret is required
  new OAuthClient({ clientId: 'ts-client' });
  // @ts-expect-error TokenSet fields are read-only
  tokens.accessToken = 'changed';
  const redisOptions: RedisTokenStoreOptions = { url: 'redis://127.0.0.1:6379', keyPrefix: 'app:' };
  const shared: TokenStore = new RedisTokenStore(redisOptions);
  void shared;
  const postgresOptions: PostgresTokenStoreOptions = { connectionString: 'postgres://app@db/app', table: 'grants' };
  const encrypted: EncryptedTokenStore = encryptedStore(new PostgresTokenStore(postgresOptions), {
    keys: { k1: 'base64-key' },
    currentKeyId: 'k1',
  });
  void encrypted.rotate();
  const checks: StoreConformanceCheck[] = storeConformanceChecks(() => encrypted, { requires: ['compareAndSet'] });
  void checks;
  // @ts-expect-error encryptedStore needs the current key id
  encryptedStore(store, { keys: {} });
  const session = new OAuthClient({ clientId: 'a', clientSecret: 'b' }).session(tokens);
  const interceptor: DropboxSignInterceptor = dropboxSignInterceptor(session);
  void interceptor;
  const response: Promise<Response> = session.fetch('/account', { method: 'GET' });
  void response;
  // @ts-expect-error a manager's interceptor needs the grant's key
  dropboxSignInterceptor(new TokenManager({ client: new OAuthClient({ clientId: 'a', clientSecret: 'b' }) }));
  // @ts-expect-error exchangeCode needs the callback's state
  void new OAuthClient({ clientId: 'a', clientSecret: 'b' }).exchangeCode({ code: 'c' });
}

const store: TokenStore = new MemoryTokenStore();
const version: string = VERSION;

async function main(): Promise<void> {
  const server = await startTokenServer();
  try {
    const options: OAuthClientOptions = {
      clientId: 'ts-client',
      clientSecret: 'ts-secret',
      baseUrl: server.baseUrl,
      allowInsecureHttp: true,
    };
    const client = new OAuthClient(options);
    const { state } = client.authorizeUrl();
    const exchanged: TokenResponse = await client.exchangeCodeWithResponse({ code: 'code-1', state });
    const rateLimit: RateLimit | undefined = exchanged.rateLimit;
    assert.equal(rateLimit?.limit, 100);

    const saved: TokenSetJSON = exchanged.data.toJSON();
    await store.set('grant', saved);
    const restored = TokenSet.fromJSON((await store.get('grant')) ?? saved);
    const refreshed: TokenSet = await client.refresh(restored);
    assert.equal(refreshed.accessToken, 'access-2');

    const session = client.session(refreshed);
    const accessToken: string = await session.getAccessToken();
    assert.equal(accessToken, 'access-2');

    try {
      await client.refresh('refresh-unknown');
      assert.fail('refresh with an unknown token must fail');
    } catch (error) {
      assert.ok(error instanceof BadRequestError);
      const status: number = error.status;
      const code: string = error.code;
      assert.equal(status, 400);
      assert.equal(code, 'invalid_grant');
      assert.ok(error instanceof OAuthError);
    }
    assert.match(server.requests[0]?.userAgent ?? '', new RegExp(`^hellosign-oauth/${version} `));
  } finally {
    await server.close();
  }

  const mock: MockServer = await startMockServer({ rotateRefreshTokens: true });
  try {
    const client = new OAuthClient({
      clientId: mock.clientId,
      clientSecret: mock.clientSecret,
      baseUrl: mock.url,
      allowInsecureHttp: true,
    });
    const tokens = await client.exchangeCode({ code: mock.issueCode(), state: 'ts-state' });
    const refreshed = await client.refresh(tokens);
    assert.notEqual(refreshed.refreshToken, tokens.refreshToken);
  } finally {
    await mock.close();
  }
  console.log('typescript consumer: exchange and refresh ok (own server and hellosign-oauth/testing)');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
