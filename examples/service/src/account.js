// The one Dropbox Sign API call the example makes: GET /v3/account, with the grant's access token
// from the TokenManager (which refreshes it when it is about to expire or was rejected).

/** A non-2xx answer from the API, with what the service needs to pick a page. */
export class AccountApiError extends Error {
  constructor(status, serverCode) {
    super(`GET /v3/account answered ${status}${serverCode ? ` ${serverCode}` : ''}.`);
    this.name = 'AccountApiError';
    this.status = status;
    this.code = serverCode ?? `http_${status}`;
    // Still 401 after the manager's refresh: the user took the app's access away.
    this.requiresReauthorization = status === 401;
  }
}

async function serverCode(response) {
  try {
    const body = await response.json();
    return typeof body?.error?.error_name === 'string' ? body.error.error_name.slice(0, 100) : undefined;
  } catch {
    return undefined;
  }
}

/** The account the grant under `key` belongs to (`account` of `GET /v3/account`). */
export async function fetchAccount(manager, key) {
  const response = await manager.fetch(key, '/account');
  if (!response.ok) throw new AccountApiError(response.status, await serverCode(response));
  const body = await response.json();
  return body.account;
}
