// The web service: routes and the OAuth flow. Everything Dropbox Sign-specific goes through
// hellosign-oauth's OAuthClient (consent URL, code exchange) and TokenManager (fresh access tokens
// for API calls); this file only decides what the user sees.
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { fetchAccount } from './account.js';
import { SESSION_TTL_SECONDS, serviceCookies } from './cookies.js';
import { ignoreExpectations, malformedRequestHandlers } from './malformed.js';
import { accountPage, connectPage, disconnectPage, homePage } from './pages.js';
import { PROBLEMS, problemFor } from './problems.js';
import { sendPage, sendProblem } from './respond.js';
import { securityHeaders, securityOptions } from './security.js';

const grantKey = (sessionId) => `user:${sessionId}`;

/** A request made by one of this service's own pages: the browser says so, or at least its Origin does. */
function fromOwnPage(request, origin) {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  return request.headers.origin === origin;
}

/** A navigation that another site started (a link or a redirect), as browsers report it. */
function startedElsewhere(request) {
  const site = request.headers['sec-fetch-site'];
  return site === 'cross-site' || site === 'same-site';
}

/**
 * Builds the service. `oauth()` returns `{ client, manager, sessions, origin, callbackUrl }` (an
 * OAuthClient, a TokenManager, the session registry of sessions.js, and this service as browsers
 * reach it), or `undefined` while they are still being set up. `sessionSecrets` sign the cookies,
 * newest first. `secureCookies` must be true when browsers reach the service over https.
 */
export function buildApp({ oauth, sessionSecrets, secureCookies, now = Date.now, log = () => {} }) {
  const secure = secureCookies === true;
  const security = securityOptions({ secure });
  const app = Fastify({
    // Fastify's request log would print callback URLs, and with them authorization codes.
    logger: false,
    // Fastify answers a request that arrives on a busy connection during shutdown with bare JSON;
    // serving it is safe, as the service closes its stores only after the server.
    return503OnClosing: false,
    ...malformedRequestHandlers(securityHeaders(security)),
  });
  ignoreExpectations(app.server);
  const cookies = serviceCookies({ secure, now });

  app.register(cookie, { secret: sessionSecrets, hook: 'onRequest' });
  app.register(helmet, security);
  // The Disconnect button posts an empty HTML form; no route reads a form field.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1024 },
    (_r, _b, done) => done(null, {}),
  );

  // Anything that changes state is a POST, and only this service's own pages may send one: a form
  // on another site is refused before it can touch the session (its answer sets no cookie).
  app.addHook('preValidation', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD') return;
    const ready = oauth();
    if (ready && !fromOwnPage(request, ready.origin)) return sendProblem(reply, PROBLEMS.crossSite);
  });

  function requireOAuth(reply) {
    const ready = oauth();
    if (!ready) sendProblem(reply, PROBLEMS.unavailable);
    return ready;
  }

  /** Forgets a grant and its session, in that order: a crash in between leaves the sweep to finish. */
  async function forget(ready, key) {
    await ready.manager.delete(key);
    await ready.sessions.remove(key);
  }

  /** The connected account for this browser, or `undefined` when none is connected. */
  async function connectedAccount(request, reply, ready) {
    const session = cookies.session(request);
    if (session === undefined) return undefined;
    const key = grantKey(session.id);
    if ((await ready.manager.getTokens(key)) === undefined) return undefined;
    if (session.renew) {
      // Signed with an older SESSION_SECRET: sign it with the newest, so the old one can be retired.
      const endsAt = await ready.sessions.expiresAt(key);
      if (endsAt !== undefined) cookies.resignSession(reply, session.id, endsAt);
    }
    return fetchAccount(ready.manager, key);
  }

  app.get('/', async (request, reply) => {
    const ready = requireOAuth(reply);
    if (!ready) return reply;
    const account = await connectedAccount(request, reply, ready);
    return sendPage(reply, 200, account ? homePage(account) : connectPage());
  });

  app.get('/connect', async (request, reply) => {
    const ready = requireOAuth(reply);
    if (!ready) return reply;
    // Another site's link starts nothing: the user gets the button, and a click here starts the flow.
    if (startedElsewhere(request)) return sendPage(reply, 200, connectPage());
    const { url, state } = ready.client.authorizeUrl({ redirectUri: ready.callbackUrl });
    cookies.startFlow(request, reply, state);
    return reply.header('cache-control', 'no-store').redirect(url, 302);
  });

  app.get('/callback', async (request, reply) => {
    const ready = requireOAuth(reply);
    if (!ready) return reply;
    const { code, state, error } = request.query;
    // The state is checked before anything else, `error` included, and only the flow it belongs to
    // ends: a forged "access denied" link leaves the real flow as it was.
    const flow = cookies.takeFlow(request, reply, state);
    if (flow === 'missing') return sendProblem(reply, PROBLEMS.missingState);
    if (flow === 'forged') return sendProblem(reply, PROBLEMS.forgedState);
    if (typeof error === 'string') {
      return sendProblem(reply, error === 'access_denied' ? PROBLEMS.denied : PROBLEMS.consentError);
    }
    if (typeof code !== 'string' || code === '') return sendProblem(reply, PROBLEMS.missingCode);
    // A new session id for the new connection: a session cookie planted in this browser before
    // (session fixation) never gets to see the account.
    const id = cookies.newSessionId();
    const key = grantKey(id);
    // Listed before the code is spent: a store that is down fails here, while the code is still
    // unused, and no grant is ever stored without an end.
    await ready.sessions.add(key, now() + SESSION_TTL_SECONDS * 1000);
    let tokens;
    try {
      tokens = await ready.client.exchangeCode({ code, state, expectedState: state });
    } catch (err) {
      log('callback', err);
      await ready.sessions.remove(key).catch(() => {});
      return sendProblem(reply, problemFor(err, { duringExchange: true }));
    }
    await ready.manager.setTokens(key, tokens);
    // Only a stored grant replaces the browser's session: until then it keeps the connection it had.
    const previous = cookies.session(request);
    cookies.startSession(reply, id);
    if (previous !== undefined) {
      // Its session stays listed if this fails, so the sweep deletes the grant at the session's end.
      await forget(ready, grantKey(previous.id)).catch((err) => log('callback', err));
    }
    return reply.header('cache-control', 'no-store').redirect('/', 303);
  });

  app.get('/account', async (request, reply) => {
    const ready = requireOAuth(reply);
    if (!ready) return reply;
    const account = await connectedAccount(request, reply, ready);
    if (!account) return reply.redirect('/', 303);
    return sendPage(reply, 200, accountPage(account));
  });

  app.get('/disconnect', async (_request, reply) => sendPage(reply, 200, disconnectPage()));

  app.post('/disconnect', async (request, reply) => {
    const ready = requireOAuth(reply);
    if (!ready) return reply;
    const session = cookies.session(request);
    if (session !== undefined) await forget(ready, grantKey(session.id));
    cookies.endSession(reply);
    return reply.redirect('/', 303);
  });

  app.setNotFoundHandler((_request, reply) => sendProblem(reply, PROBLEMS.notFound));

  app.setErrorHandler((err, request, reply) => {
    // Fastify's own errors (a malformed request) keep their 4xx status; the page stays friendly.
    if (typeof err.statusCode === 'number' && err.statusCode < 500 && err.code?.startsWith('FST_')) {
      return sendProblem(reply, { ...PROBLEMS.badRequest, status: err.statusCode });
    }
    log(request.routeOptions?.url ?? 'request', err);
    return sendProblem(reply, problemFor(err));
  });

  return app;
}
