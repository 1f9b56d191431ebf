// The security headers of every page, set by helmet (@fastify/helmet on the routes): a
// Content-Security-Policy that allows the page's own stylesheet and nothing else (no script, no
// frame, forms only to this service), no framing by any site, no MIME sniffing, and no Referer,
// so the callback's URL (it carries the code) never leaves in one.
import helmet from 'helmet';
import { STYLE_SOURCE } from './pages.js';

/** helmet's options; `secure` when browsers reach the service over https. */
export function securityOptions({ secure }) {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'none'"],
        'style-src': [STYLE_SOURCE],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'none'"],
        ...(secure ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Over plain http a browser ignores it; over https it keeps the browser on https for a year.
    strictTransportSecurity: secure ? { maxAge: 365 * 24 * 3600 } : false,
  };
}

/** The headers helmet sets with `options`, for the answers sent before a request reaches a route. */
export function securityHeaders(options) {
  const headers = {};
  const response = {
    setHeader: (name, value) => {
      headers[name] = value;
    },
    removeHeader: () => {},
  };
  helmet(options)({}, response, () => {});
  return headers;
}
