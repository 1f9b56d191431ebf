// The web service: routes, cookies and the OAuth flow. Everything Dropbox Sign-specific goes
// through hellosign-oauth's OAuthClient (consent URL, code exchange) and TokenManager (fresh
// access tokens for API calls); this file only decides what the user sees.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import Fastify from 'fastify';
import { fetchAccount } from './account.js';
import { accountPage, connectPage, disconnectPage, homePage, problemPage } from './pages.js';
import { PROBLEMS, problemFor } from './problems.js';

/** Who the browser is: a random id, in a signed cookie. Grants are stored under `user:<id>`. */
const SESSION_COOKIE = 'hs_session';
/** The OAuth `state` of the flow this browser started, in a signed cookie, for ten minutes. */
const STATE_COOKIE = 'hs_oauth_state';
const STATE_TTL_SECONDS = 600;
const SESSION_TTL_SECONDS = 30 * 24 * 3600;

/** Compares in constant time, so response timing says nothing about the expected state. */
function sameState(given, expected) {
  const digest = (value) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Builds the service. `oauth()` returns `{ client, manager, callbackUrl }` (an OAuthClient, a
 * TokenManager and this service's `/callback` as browsers reach it), or `undefined` while they are
 * still being set up. `secureCookies` must be true when browsers reach the service over https.
 */
export function buildApp({ oauth, sessionSecret, secureCookies, log = () => {} }) {
  // Fastify's request log would print callback URLs, and with them authorization codes.
  const app = Fastify({ logger: false });
  const secure = secureCookies === true;
  const cookieOptions = { httpOnly: true, sameSite: 'lax', secure, signed: true };

  app.register(cookie, { secret: sessionSecret, hook: 'onRequest' });
  // The Disconnect button posts an empty HTML form; no route reads a form field.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1024 },
    (_r, _b, done) => done(null, {}),
  );

  const sendPage = (reply, status, html) =>
    reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
  const sendProblem = (reply, problem) => sendPage(reply, problem.status, problemPage(problem));

  /** The session id from the signed cookie, if any. */
  function sessionId(request) {
    const raw = request.cookies[SESSION_COOKIE];
    const unsigned = raw === undefined ? undefined : request.unsignCookie(raw);
    return unsigned?.valid ? unsigned.value : undefined;
  }

  /** A new session id, in a new cookie. */
  function startSession(reply) {
    const id = randomBytes(18).toString('base64url');
    reply.setCookie(SESSION_COOKIE, id, { ...cookieOptions, path: '/', maxAge: SESSION_TTL_SECONDS });
    return id;
  }
  const grantKey = (id) => `user:${id}`;

  function requireOAuth(reply) {
    const ready = oauth();
    if (!ready) sendProblem(reply, PROBLEMS.unavailable);
    return ready;
  }

  /** The connected account for this browser, or `undefined` when none is connected. */
  async function connectedAccount(request, ready) {
    const id = sessionId(request);
    if (id === undefined) return undefined;
    const key = grantKey(id);
    if ((await ready.manager.getTokens(key)) === undefined) return undefined;
    return fetchAccount(ready.manager, key);
  }

  app.get('/', async (request, reply) => {
    const ready = requireOAuth(reply);
    if (!ready) return reply;
    const account = await connectedAccount(request, ready);
    return sendPage(reply, 200, account ? homePage(account) : connectPage());
  });

  app.get('/connect', async (_request, reply) => {
    const ready = requireOAuth(reply);
    if (!ready) return reply;
    const { url, state } = ready.client.authorizeUrl({ redirectUri: ready.callbackUrl });
    reply.setCookie(STATE_COOKIE, state, { ...cookieOptions, path: '/callback', maxAge: STATE_TTL_SECONDS });
    return reply.header('cache-control', 'no-store').redirect(url, 302);
  });

  app.get('/callback', async (request, reply) => {
    const ready = requireOAuth(reply);
    if (!ready) return reply;
    const { code, state, error } = request.query;
    const raw = request.cookies[STATE_COOKIE];
    const expected = raw === undefined ? undefined : request.unsignCookie(raw);
    // The state is single-use: whatever happens next, this browser's flow is over.
    reply.clearCookie(STATE_COOKIE, { path: '/callback' });
    if (!expected?.valid) return sendProblem(reply, PROBLEMS.missingState);
    if (typeof state !== 'string' || !sameState(state, expected.value)) return sendProblem(reply, PROBLEMS.forgedState);
    if (typeof error === 'string') {
      // Checked after the state, so a forged "denied" redirect cannot end a real flow quietly.
      return sendProblem(reply, error === 'access_denied' ? PROBLEMS.denied : PROBLEMS.consentError);
    }
    if (typeof code !== 'string' || code === '') return sendProblem(reply, PROBLEMS.missingCode);
    let tokens;
    try {
      tokens = await ready.client.exchangeCode({ code, state, expectedState: expected.value });
    } catch (err) {
      log('callback', err);
      return sendProblem(reply, problemFor(err, { duringExchange: true }));
    }
    // A new session id for the new connection: a session cookie planted in this browser before
    // (session fixation) never gets to see the account. The grant it replaces is forgotten.
    const previous = sessionId(request);
    await ready.manager.setTokens(grantKey(startSession(reply)), tokens);
    if (previous !== undefined) await ready.manager.delete(grantKey(previous));
    return reply.header('cache-control', 'no-store').redirect('/', 303);
  });

  app.get('/account', async (request, reply) => {
    const ready = requireOAuth(reply);
    if (!ready) return reply;
    const account = await connectedAccount(request, ready);
    if (!account) return reply.redirect('/', 303);
    return sendPage(reply, 200, accountPage(account));
  });

  app.get('/disconnect', async (_request, reply) => sendPage(reply, 200, disconnectPage()));

  // A POST, so another site cannot disconnect the user: SameSite=Lax keeps the cookie off its forms.
  app.post('/disconnect', async (request, reply) => {
    const ready = requireOAuth(reply);
    if (!ready) return reply;
    const id = sessionId(request);
    if (id !== undefined) await ready.manager.delete(grantKey(id));
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/', 303);
  });

  app.setNotFoundHandler((_request, reply) => sendProblem(reply, PROBLEMS.notFound));

  app.setErrorHandler((err, request, reply) => {
    // Fastify's own errors (a malformed request) keep their 4xx status; the page stays friendly.
    if (typeof err.statusCode === 'number' && err.statusCode < 500 && err.code?.startsWith('FST_')) {
      return sendProblem(reply, { ...PROBLEMS.unexpected, status: err.statusCode, title: 'Bad request' });
    }
    log(request.routeOptions?.url ?? 'request', err);
    return sendProblem(reply, problemFor(err));
  });

  return app;
}
