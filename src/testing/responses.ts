import type { ServerResponse } from 'node:http';

/** Headers every JSON answer of the token endpoint carries: tokens must never be cached. */
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...NO_STORE,
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The Dropbox Sign error shape, `components.schemas.ErrorResponse`. */
export function dropboxError(errorName: string, errorMsg: string, errorPath?: string) {
  return { error: { error_msg: errorMsg, error_name: errorName, ...(errorPath ? { error_path: errorPath } : {}) } };
}

/** The RFC 6749 §5.2 error shape, `components.schemas.OAuthErrorResponse`. */
export function oauthError(error: string, description: string) {
  return { error, error_description: description };
}

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}) {
  res.writeHead(status, {
    ...headers,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
  });
  res.end(html);
}

/** What a load balancer in front of the service answers when the service is down. */
export const PROXY_502_PAGE =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n';
