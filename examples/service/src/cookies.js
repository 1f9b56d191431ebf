// The service's two kinds of cookie, both signed, HttpOnly, SameSite=Lax and Path=/: the session
// (who the browser is) and one per OAuth flow it started (the flow's `state`), so that two tabs
// can connect at once. Over https they carry the `__Host-` prefix, which the browser accepts only
// from this very host with `Secure` and no `Domain`: a sibling subdomain cannot plant them.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_TTL_SECONDS = 30 * 24 * 3600;
export const FLOW_TTL_SECONDS = 600;
/** Flows a browser may have open at once; a new one beyond that replaces the oldest. */
const MAX_FLOWS = 5;
const SESSION_ID = /^[A-Za-z0-9_-]{24}$/;
/** What follows the prefix in the name of a flow cookie this service set (see flowName). */
const FLOW_ID = /^[A-Za-z0-9_-]{16}$/;

const digest = (value) => createHash('sha256').update(value).digest();

/** Compares in constant time, so response timing says nothing about the expected state. */
function sameState(given, expected) {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * The cookies as the routes use them. `secure` when browsers reach the service over https; `now`
 * is the service's clock (ms).
 */
export function serviceCookies({ secure, now }) {
  const prefix = secure ? '__Host-' : '';
  const sessionName = `${prefix}hs_session`;
  const flowPrefix = `${prefix}hs_flow_`;
  const attributes = { httpOnly: true, sameSite: 'lax', secure, path: '/' };
  /** A flow's cookie is named after its state, so the callback finds it among the others. */
  const flowName = (state) => `${flowPrefix}${digest(state).toString('base64url').slice(0, 16)}`;

  /**
   * This browser's flows: `{ name, issuedAt, state }`, `state` undefined when the signature is bad.
   * Cookies this service cannot have set are not flows: clearing one could not even be sent.
   */
  function flows(request) {
    return Object.keys(request.cookies)
      .filter((name) => name.startsWith(flowPrefix) && FLOW_ID.test(name.slice(flowPrefix.length)))
      .map((name) => {
        const unsigned = request.unsignCookie(request.cookies[name]);
        const dot = unsigned.valid ? unsigned.value.indexOf('.') : -1;
        if (dot < 0) return { name, issuedAt: 0, state: undefined };
        return { name, issuedAt: Number(unsigned.value.slice(0, dot)), state: unsigned.value.slice(dot + 1) };
      });
  }

  return {
    /** The session this browser holds: `{ id, renew }` (`renew`: signed with an older secret), or undefined. */
    session(request) {
      const raw = request.cookies[sessionName];
      const unsigned = raw === undefined ? undefined : request.unsignCookie(raw);
      if (!unsigned?.valid || !SESSION_ID.test(unsigned.value)) return undefined;
      return { id: unsigned.value, renew: unsigned.renew };
    },

    /** A new session id; nothing is sent until `startSession` puts it in the cookie. */
    newSessionId() {
      return randomBytes(18).toString('base64url');
    },

    /** Gives this browser the session `id`, replacing the one it had. */
    startSession(reply, id) {
      reply.setCookie(sessionName, id, { ...attributes, signed: true, maxAge: SESSION_TTL_SECONDS });
    },

    /** Signs the session again with the newest secret, keeping when it ends (ms since the epoch). */
    resignSession(reply, id, endsAt) {
      const maxAge = Math.floor((endsAt - now()) / 1000);
      if (maxAge > 0) reply.setCookie(sessionName, id, { ...attributes, signed: true, maxAge });
    },

    endSession(reply) {
      reply.clearCookie(sessionName, attributes);
    },

    /** Remembers a new flow's state; beyond MAX_FLOWS, the oldest (or a damaged one) makes room. */
    startFlow(request, reply, state) {
      const open = flows(request).sort((a, b) => a.issuedAt - b.issuedAt);
      for (const old of open.slice(0, Math.max(0, open.length - MAX_FLOWS + 1)))
        reply.clearCookie(old.name, attributes);
      reply.setCookie(flowName(state), `${now()}.${state}`, { ...attributes, signed: true, maxAge: FLOW_TTL_SECONDS });
    },

    /**
     * Ends the flow the callback's `state` belongs to, once: `taken` when this browser started it
     * (its cookie is cleared), else `forged` when the browser has other flows (the state is not
     * one of them), or `missing` (used already, expired, or another browser). Only `taken` touches
     * a cookie, so a forged callback cannot end a real flow.
     */
    takeFlow(request, reply, state) {
      const open = flows(request);
      const own =
        typeof state === 'string' && state !== '' ? open.find((flow) => flow.name === flowName(state)) : undefined;
      if (own?.state === undefined || !sameState(state, own.state)) return open.length > 0 ? 'forged' : 'missing';
      if (now() - own.issuedAt > FLOW_TTL_SECONDS * 1000) return 'missing';
      reply.clearCookie(own.name, attributes);
      return 'taken';
    },
  };
}
