import { OAuthConnectionError } from './errors.js';

/**
 * The proxy, not the OAuth server, failed: it could not be reached, or it refused the request
 * (`proxyStatus` 407: credentials missing or wrong; 403: not allowed by its rules). `proxy` names
 * it as `http://host:port`; its credentials never appear here. A proxy that was unreachable is
 * retried like any connection that never sent the request; a refusal is not.
 */
export class OAuthProxyError extends OAuthConnectionError {
  /** The proxy, as `http://host:port` (never with credentials). */
  readonly proxy: string;
  /** The proxy's own status when it answered with a refusal; `undefined` when it could not be reached. */
  readonly proxyStatus: number | undefined;

  constructor(message: string, init: { proxy: string; proxyStatus?: number; cause?: unknown }) {
    super(message, { code: 'OAUTH_PROXY_ERROR', cause: init.cause });
    this.proxy = init.proxy;
    this.proxyStatus = init.proxyStatus;
  }
}
