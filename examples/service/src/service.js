// Starts the service: its settings, the OAuth client, the token store and, when no Dropbox Sign
// app is configured, the mock server bundled with hellosign-oauth.
import { randomBytes } from 'node:crypto';
import { OAuthClient, TokenManager } from 'hellosign-oauth';
import { startMockServer } from 'hellosign-oauth/testing';
import { buildApp } from './app.js';
import { readConfig } from './config.js';

/** One line per failure: the error's name, stable code and message (hellosign-oauth's hold no secret). */
function logError(where, err) {
  console.error(`[service] ${where}: ${err?.name ?? 'Error'} ${err?.code ?? ''} ${err?.message ?? ''}`.trim());
}

async function openStore(redisUrl) {
  if (redisUrl === undefined) return { store: undefined, close: async () => {} };
  // Loaded only when used: the redis entry point needs the `redis` package.
  const { RedisTokenStore } = await import('hellosign-oauth/redis');
  const store = new RedisTokenStore({ url: redisUrl });
  return { store, close: () => store.close() };
}

/**
 * Starts the service and resolves once it listens. Options override the environment's settings:
 * `env` (default `process.env`), `port`, `host`, and for tests `mock` (options for the bundled
 * mock server) and `now` (one clock for the mock server and the client). Returns
 * `{ url, mock, client, manager, close }`; `mock` is undefined against a real Dropbox Sign.
 */
export async function startService(options = {}) {
  const config = readConfig(options.env ?? process.env);
  const log = options.log ?? logError;
  let oauth;
  const app = buildApp({
    oauth: () => oauth,
    sessionSecret: config.sessionSecret ?? randomBytes(32).toString('base64url'),
    secureCookies: config.publicUrl?.startsWith('https:') === true,
    log,
  });
  await app.listen({ port: options.port ?? config.port, host: options.host ?? config.host });
  const { port } = app.server.address();
  const publicUrl = config.publicUrl ?? `http://${options.host ?? config.host}:${port}`;
  const callbackUrl = `${publicUrl}/callback`;

  let mock;
  let storage;
  try {
    let client;
    if (config.mock) {
      // `consent: 'page'`: a person clicks Approve or Deny, as on Dropbox Sign.
      mock = await startMockServer({
        redirectUri: callbackUrl,
        consent: 'page',
        appName: 'Example service',
        now: options.now,
        ...options.mock,
      });
      client = new OAuthClient({
        clientId: mock.clientId,
        clientSecret: mock.clientSecret,
        baseUrl: mock.url,
        apiBaseUrl: mock.apiBaseUrl,
        allowInsecureHttp: true,
        now: options.now,
      });
    } else {
      const overrides = { apiBaseUrl: config.apiBaseUrl, now: options.now };
      // Plain http is only for a Dropbox Sign stand-in on this machine (the client refuses it elsewhere).
      if (config.oauthBaseUrl?.startsWith('http:')) overrides.allowInsecureHttp = true;
      client = OAuthClient.fromEnv(overrides, options.env ?? process.env);
    }
    storage = await openStore(config.redisUrl);
    const manager = new TokenManager({ client, store: storage.store });
    oauth = { client, manager, callbackUrl };
  } catch (err) {
    await app.close();
    await mock?.close();
    throw err;
  }

  let closing;
  return {
    url: publicUrl,
    mock,
    client: oauth.client,
    manager: oauth.manager,
    close() {
      closing ??= (async () => {
        await app.close();
        await storage.close();
        await mock?.close();
      })();
      return closing;
    },
  };
}
