// Starts the service: its settings, the OAuth client, the token store and, when no Dropbox Sign
// app is configured, the mock server bundled with hellosign-oauth.
import { randomBytes } from 'node:crypto';
import { OAuthClient, TokenManager } from 'hellosign-oauth';
import { startMockServer } from 'hellosign-oauth/testing';
import { buildApp } from './app.js';
import { readConfig } from './config.js';
import { sweepEndedSessions } from './sessions.js';
import { openStorage } from './storage.js';

/** How often each instance deletes the grants of ended sessions (they may run at once: it is idempotent). */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/** One line per failure: the error's name, stable code and message (hellosign-oauth's hold no secret). */
function logError(where, err) {
  console.error(`[service] ${where}: ${err?.name ?? 'Error'} ${err?.code ?? ''} ${err?.message ?? ''}`.trim());
}

function oauthClient(config, options, mock) {
  if (mock) {
    return new OAuthClient({
      clientId: mock.clientId,
      clientSecret: mock.clientSecret,
      baseUrl: mock.url,
      apiBaseUrl: mock.apiBaseUrl,
      allowInsecureHttp: true,
      now: options.now,
    });
  }
  const overrides = { apiBaseUrl: config.apiBaseUrl, now: options.now };
  // Plain http is only for a Dropbox Sign stand-in on this machine (the client refuses it elsewhere).
  if (config.oauthBaseUrl?.startsWith('http:')) overrides.allowInsecureHttp = true;
  return OAuthClient.fromEnv(overrides, options.env ?? process.env);
}

/**
 * Starts the service and resolves once it listens. Options override the environment's settings:
 * `env` (default `process.env`), `port`, `host`, and for tests `mock` (options for the bundled
 * mock server) and `now` (one clock for the mock server, the client and the sessions). Returns
 * `{ url, localUrl, mock, client, manager, sweep, close }`: `url` is where browsers reach it
 * (PUBLIC_URL), `localUrl` where it listens; `mock` is undefined against a real Dropbox Sign,
 * `sweep()` deletes the grants of ended sessions now (it also runs every ten minutes).
 */
export async function startService(options = {}) {
  const config = readConfig(options.env ?? process.env);
  const log = options.log ?? logError;
  const now = options.now ?? Date.now;
  let oauth;
  const app = buildApp({
    oauth: () => oauth,
    sessionSecrets: config.sessionSecrets ?? [randomBytes(32).toString('base64url')],
    secureCookies: config.publicUrl?.startsWith('https:') === true,
    now,
    log,
  });
  await app.listen({ port: options.port ?? config.port, host: options.host ?? config.host });
  const { port } = app.server.address();
  const localUrl = `http://${options.host ?? config.host}:${port}`;
  const publicUrl = config.publicUrl ?? localUrl;
  const callbackUrl = `${publicUrl}/callback`;

  let mock;
  let storage;
  try {
    if (config.mock) {
      // `consent: 'page'`: a person clicks Approve or Deny, as on Dropbox Sign.
      mock = await startMockServer({
        redirectUri: callbackUrl,
        consent: 'page',
        appName: 'Example service',
        now: options.now,
        ...options.mock,
      });
    }
    const client = oauthClient(config, options, mock);
    storage = await openStorage(config);
    const manager = new TokenManager({ client, store: storage.store });
    oauth = { client, manager, sessions: storage.sessions, origin: new URL(publicUrl).origin, callbackUrl };
  } catch (err) {
    await app.close();
    await mock?.close();
    throw err;
  }

  const sweep = () => sweepEndedSessions({ manager: oauth.manager, sessions: oauth.sessions, now });
  // One sweep at a time; close() waits for the one running.
  let sweeping = Promise.resolve();
  const sweepInBackground = () => {
    sweeping = sweeping.then(() => sweep().catch((err) => log('sweep', err)));
  };
  sweepInBackground();
  const sweeper = setInterval(sweepInBackground, SWEEP_INTERVAL_MS).unref();

  let closing;
  return {
    url: publicUrl,
    localUrl,
    mock,
    client: oauth.client,
    manager: oauth.manager,
    sweep,
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        await sweeping;
        await app.close();
        await storage.close();
        await mock?.close();
      })();
      return closing;
    },
  };
}
