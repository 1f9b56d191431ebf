import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constantTimeEqual } from '../internal/constant-time.js';
import { readBody } from './request-body.js';
import { dropboxError, sendHtml, sendJson } from './responses.js';

/** `page`: show the consent page and wait for a click; `approve`/`deny`: answer at once, as a scripted user. */
export type ConsentMode = 'page' | 'approve' | 'deny';

/** What the authorize endpoint needs from the mock server. */
export interface AuthorizeEndpointOptions {
  clientId: string;
  appName: string;
  consent: ConsentMode;
  /** The app's registered callback, used when a request names none (read late: it depends on the port). */
  defaultRedirectUri: () => string;
  issueCode: (state: string | undefined) => string;
  now: () => number;
  /** How long a shown page can still be answered. */
  ticketTtlMs: number;
  /** Shown pages waiting for an answer; past this the oldest is forgotten, so memory stays bounded. Default 1000. */
  maxPending?: number;
}

/** An authorize request that passed validation: where to send the user back, and its state. */
interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  state: string | undefined;
}

interface PendingConsent extends AuthorizeRequest {
  expiresAt: number;
}

type Checked<T> = { ok: true; value: T } | { ok: false; message: string; path: string };

/**
 * Headers of every HTML answer: never cached (a ticket is single-use), never framed (no
 * clickjacking of the Approve button), no scripts at all.
 */
const HTML_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}' +
  'form{display:inline-block;margin:0 .5rem 0 0}button{font:inherit;padding:.5rem 1.25rem}';

/** Text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** The consent page: the app's name as its heading, and one form per answer, carrying only the ticket. */
export function renderConsentPage(appName: string, ticket: string, redirectUri: string): string {
  const app = escapeHtml(appName);
  const answer = (decision: 'approve' | 'deny', label: string) => `<form method="post" action="/oauth/authorize">
<input type="hidden" name="ticket" value="${escapeHtml(ticket)}">
<input type="hidden" name="decision" value="${decision}">
<button type="submit">${label}</button>
</form>`;
  return page(
    `Authorize ${appName}`,
    `<h1>${app}</h1>
<p>${app} wants to access your Dropbox Sign account.</p>
<p>Whichever you choose, you will be sent back to <strong>${escapeHtml(new URL(redirectUri).origin)}</strong>.</p>
${answer('approve', 'Approve')}
${answer('deny', 'Deny')}`,
  );
}

/** The page for a request that cannot be redirected back: the user reads why, nothing else happens. */
export function renderErrorPage(message: string): string {
  return page('Authorization error', `<h1>Authorization error</h1>\n<p>${escapeHtml(message)}</p>`);
}

/**
 * `GET /oauth/authorize` and the consent page's `POST` back. Errors about the client or the
 * redirect URI are shown, never redirected (RFC 6749 §4.1.2.1): a browser gets a 400 page, a
 * client that did not ask for HTML gets the Dropbox Sign error JSON.
 */
export function createAuthorizeEndpoint(options: AuthorizeEndpointOptions) {
  const pending = new Map<string, PendingConsent>();
  const maxPending = options.maxPending ?? 1000;

  function checkClient(clientId: string | null): Checked<string> {
    if (!clientId || !constantTimeEqual(clientId, options.clientId)) {
      return { ok: false, message: 'Unknown client_id.', path: 'client_id' };
    }
    return { ok: true, value: clientId };
  }

  function checkRedirectUri(value: string | null): Checked<string> {
    const candidate = value ?? options.defaultRedirectUri();
    if (URL.canParse(candidate)) {
      const url = new URL(candidate);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hash === '')
        return { ok: true, value: candidate };
    }
    return {
      ok: false,
      message: 'redirect_uri must be an absolute http(s) URL without a fragment.',
      path: 'redirect_uri',
    };
  }

  /** The same checks for a fresh request and for a stored one about to be answered. */
  function check(clientId: string | null, redirectUri: string | null): Checked<Omit<AuthorizeRequest, 'state'>> {
    const client = checkClient(clientId);
    if (!client.ok) return client;
    const redirect = checkRedirectUri(redirectUri);
    if (!redirect.ok) return redirect;
    return { ok: true, value: { clientId: client.value, redirectUri: redirect.value } };
  }

  function refuse(req: IncomingMessage, res: ServerResponse, status: number, message: string, path?: string) {
    const accept = String(req.headers.accept ?? '');
    if (req.method === 'POST' || accept.includes('text/html')) {
      sendHtml(res, status, renderErrorPage(message), HTML_HEADERS);
    } else {
      sendJson(res, status, dropboxError('bad_request', message, path));
    }
  }

  function redirect(res: ServerResponse, request: AuthorizeRequest, answer: Record<string, string>) {
    const target = new URL(request.redirectUri);
    for (const [name, value] of Object.entries(answer)) target.searchParams.set(name, value);
    if (request.state !== undefined) target.searchParams.set('state', request.state);
    res.writeHead(302, { location: target.toString(), 'cache-control': 'no-store', 'content-length': 0 });
    res.end();
  }

  function answer(res: ServerResponse, request: AuthorizeRequest, decision: 'approve' | 'deny') {
    if (decision === 'deny') {
      redirect(res, request, { error: 'access_denied', error_description: 'The user denied access to the app.' });
    } else {
      redirect(res, request, { code: options.issueCode(request.state) });
    }
  }

  function remember(request: AuthorizeRequest): string {
    const now = options.now();
    for (const [ticket, entry] of pending) {
      if (entry.expiresAt > now && pending.size < maxPending) break;
      pending.delete(ticket);
    }
    const ticket = randomBytes(16).toString('base64url');
    pending.set(ticket, { ...request, expiresAt: now + options.ticketTtlMs });
    return ticket;
  }

  /** The ticket's request, once: a second submission (the back button, a replay) finds nothing. */
  function take(ticket: string | null): AuthorizeRequest | undefined {
    if (!ticket) return undefined;
    const entry = pending.get(ticket);
    if (!entry) return undefined;
    pending.delete(ticket);
    return entry.expiresAt > options.now() ? entry : undefined;
  }

  function show(req: IncomingMessage, res: ServerResponse, params: URLSearchParams): void {
    const checked = check(params.get('client_id'), params.get('redirect_uri'));
    if (!checked.ok) {
      refuse(req, res, 400, checked.message, checked.path);
      return;
    }
    const request: AuthorizeRequest = { ...checked.value, state: params.get('state') ?? undefined };
    if (params.get('response_type') !== 'code') {
      redirect(res, request, { error: 'unsupported_response_type' });
    } else if (options.consent !== 'page') {
      answer(res, request, options.consent);
    } else if (req.method === 'HEAD') {
      sendHtml(res, 200, '', HTML_HEADERS);
    } else {
      sendHtml(res, 200, renderConsentPage(options.appName, remember(request), request.redirectUri), HTML_HEADERS);
    }
  }

  async function submit(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const mediaType = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (body === undefined || mediaType !== 'application/x-www-form-urlencoded') {
      return refuse(req, res, 400, 'Answer the consent page with its Approve or Deny button.');
    }
    // Only the ticket and the decision are read: where the user goes comes from the shown request.
    const form = new URLSearchParams(body.toString('utf8'));
    const decision = form.get('decision');
    if (decision !== 'approve' && decision !== 'deny') {
      return refuse(req, res, 400, 'Answer the consent page with its Approve or Deny button.');
    }
    const request = take(form.get('ticket'));
    if (!request) {
      return refuse(
        req,
        res,
        400,
        'This consent request has expired or was already answered. Start again from the app.',
      );
    }
    const rechecked = check(request.clientId, request.redirectUri);
    if (!rechecked.ok) return refuse(req, res, 400, rechecked.message, rechecked.path);
    answer(res, request, decision);
  }

  return async function authorize(req: IncomingMessage, res: ServerResponse, params: URLSearchParams): Promise<void> {
    if (req.method === 'GET' || req.method === 'HEAD') return show(req, res, params);
    if (req.method === 'POST') return submit(req, res);
    sendJson(res, 405, dropboxError('method_not_allowed', 'Use GET, or POST from the consent page.'), {
      allow: 'GET, HEAD, POST',
    });
  };
}
