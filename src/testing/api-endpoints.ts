import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessTokenStatus, GrantStore } from './grants.js';
import { parseBody, readBody } from './request-body.js';
import { dropboxError, sendJson } from './responses.js';

/** Where the mock's slice of the REST API lives, as `https://api.hellosign.com/v3` has it. */
export const API_BASE_PATH = '/v3';

/** One REST API request as the mock server saw it: enough to assert on, never the token itself. */
export interface MockApiCall {
  method: string;
  /** The path under the server, e.g. `/v3/account`. */
  path: string;
  /** The bearer token's standing: `missing` when the request carried none. */
  auth: AccessTokenStatus | 'missing';
  /** The request body as text (empty when none). */
  body: string;
}

/** The mock server's REST API controls (`GET`/`POST /v3/account`, bearer auth). */
export interface MockApiControls {
  /** `<url>/v3`: pass it as the client's `apiBaseUrl`. */
  readonly apiBaseUrl: string;
  /** Every REST API request so far, oldest first (a copy). */
  apiCalls(): MockApiCall[];
  /** Makes the API reject this access token as expired from now on, though its `expires_in` has not passed. */
  expireAccessToken(accessToken: string): boolean;
  /** Makes the API reject this access token as revoked; its grant's refresh token still works. */
  revokeAccessToken(accessToken: string): boolean;
}

/** The official `AccountGetResponse` example; each grant gets its own id and address on top of it. */
const ACCOUNT_EXAMPLE = {
  account_id: '5008b25c7f67153e57d5a357b1687968068fb465',
  email_address: 'me@dropboxsign.com',
  is_locked: false,
  is_paid_hs: true,
  is_paid_hf: false,
  quotas: { api_signature_requests_left: 1250, documents_left: null, templates_left: null, sms_signatures_left: 1 },
  callback_url: null as string | null,
  role_code: null,
  locale: 'en-US',
};

type Account = typeof ACCOUNT_EXAMPLE;

const UNAUTHORIZED: Record<Exclude<AccessTokenStatus, 'active'> | 'missing', string> = {
  missing: 'Unauthorized user. No credentials supplied.',
  unknown: 'Unauthorized user. The access token is not valid.',
  expired: 'Unauthorized user. The access token has expired.',
  revoked: 'Unauthorized user. The access token has been revoked.',
};

function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = header.slice(7).trim();
  return token === '' ? undefined : token;
}

/**
 * The smallest real slice of the REST API: `GET /v3/account` answers the grant's own account and
 * `POST /v3/account` updates its `callback_url` and `locale`, both behind `Authorization: Bearer`.
 */
export class ApiEndpoints {
  readonly #grants: GrantStore;
  readonly #accounts = new Map<string, Account>();
  readonly #calls: MockApiCall[] = [];

  constructor(grants: GrantStore) {
    this.#grants = grants;
  }

  handles(pathname: string): boolean {
    return pathname === API_BASE_PATH || pathname.startsWith(`${API_BASE_PATH}/`);
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const raw = await readBody(req);
    const token = bearerToken(req);
    const { status, grant } =
      token === undefined ? { status: 'missing' as const } : this.#grants.accessTokenStatus(token);
    this.#calls.push({ method, path: url.pathname, auth: status, body: raw?.toString('utf8') ?? '' });
    if (status !== 'active') {
      // RFC 6750 §3: the scheme, and why the token was refused when there was one.
      const challenge = status === 'missing' ? 'Bearer' : 'Bearer error="invalid_token"';
      sendJson(res, 401, dropboxError('unauthorized', UNAUTHORIZED[status]), { 'www-authenticate': challenge });
      return;
    }
    if (grant === undefined) throw new Error('An active access token always has a grant.');
    if (url.pathname !== `${API_BASE_PATH}/account`) {
      sendJson(res, 404, dropboxError('not_found', 'Not found.'));
      return;
    }
    if (method === 'GET') {
      sendJson(res, 200, { account: this.#account(grant) });
      return;
    }
    if (method !== 'POST') {
      sendJson(res, 405, dropboxError('method_not_allowed', 'Use GET or POST.'), { allow: 'GET, POST' });
      return;
    }
    const parsed = parseBody(req.headers['content-type'], raw);
    if (!parsed.ok) {
      sendJson(res, parsed.status, dropboxError('bad_request', parsed.message));
      return;
    }
    const update = (parsed.value ?? {}) as { callback_url?: unknown; locale?: unknown };
    const account = this.#account(grant);
    if (update.callback_url !== undefined) {
      if (typeof update.callback_url !== 'string') {
        sendJson(res, 400, dropboxError('bad_request', 'callback_url must be a string.', 'callback_url'));
        return;
      }
      account.callback_url = update.callback_url;
    }
    if (typeof update.locale === 'string') account.locale = update.locale;
    sendJson(res, 200, { account });
  }

  controls(serverUrl: string): MockApiControls {
    return {
      apiBaseUrl: `${serverUrl}${API_BASE_PATH}`,
      apiCalls: () => this.#calls.map((call) => ({ ...call })),
      expireAccessToken: (accessToken) => this.#grants.expireAccessToken(accessToken),
      revokeAccessToken: (accessToken) => this.#grants.revokeAccessToken(accessToken),
    };
  }

  #account(grant: string): Account {
    let account = this.#accounts.get(grant);
    if (!account) {
      const id = createHash('sha1').update(grant).digest('hex');
      account = { ...ACCOUNT_EXAMPLE, account_id: id, email_address: `user-${id.slice(0, 8)}@example.com` };
      this.#accounts.set(grant, account);
    }
    return account;
  }
}
