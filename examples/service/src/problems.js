// What the user sees when something goes wrong: one place that turns a situation or an error
// from hellosign-oauth into a status and a friendly page. Never a stack trace, never a token.

/** The callback situations the service detects itself. */
export const PROBLEMS = {
  denied: {
    status: 403,
    title: 'Dropbox Sign was not connected',
    message: 'You chose not to give this app access. You can connect whenever you like.',
    action: 'connect',
  },
  consentError: {
    status: 400,
    title: 'Dropbox Sign could not connect',
    message: 'Dropbox Sign did not grant access. Please try connecting again.',
    action: 'connect',
  },
  missingState: {
    status: 400,
    title: 'This sign-in link is no longer valid',
    message:
      'It was already used, it expired, or it was opened in another browser. If you just connected, you are all set.',
    action: 'connect',
  },
  forgedState: {
    status: 400,
    title: 'This sign-in link did not come from this browser',
    message: 'For your safety it was not used. Start connecting from this app instead.',
    action: 'connect',
  },
  missingCode: {
    status: 400,
    title: 'This sign-in link is incomplete',
    message: 'Dropbox Sign sent no authorization code. Please try connecting again.',
    action: 'connect',
  },
  codeRejected: {
    status: 400,
    title: 'This sign-in link was already used',
    message: 'Each sign-in link works once and for a few minutes only. Please connect again.',
    action: 'connect',
  },
  revoked: {
    status: 401,
    title: 'Dropbox Sign access was removed',
    message: 'Dropbox Sign no longer accepts this app’s access, perhaps because it was disconnected in your settings.',
    action: 'reconnect',
  },
  unavailable: {
    status: 503,
    title: 'Dropbox Sign is not responding',
    message: 'We could not reach Dropbox Sign just now. Nothing was lost; please try again in a minute.',
    action: 'retry',
  },
  crossSite: {
    status: 403,
    title: 'This request came from another site',
    message: 'For your safety nothing was changed. Use the buttons on this app’s own pages.',
    action: 'home',
  },
  badAddress: {
    status: 400,
    title: 'This address is not valid',
    message: 'Part of the address is garbled. Start again from the home page.',
    action: 'home',
  },
  badRequest: {
    status: 400,
    title: 'Bad request',
    message: 'Your browser sent a request this app cannot read. Please try again from the home page.',
    action: 'home',
  },
  tooLarge: {
    status: 431,
    title: 'Too much data in this request',
    message:
      'Your browser sent more than this app accepts, usually too many cookies. Clearing this site’s cookies fixes it.',
    action: 'home',
  },
  notFound: {
    status: 404,
    title: 'Page not found',
    message: 'There is nothing at this address.',
    action: 'home',
  },
  unexpected: {
    status: 500,
    title: 'Something went wrong',
    message: 'The app hit an unexpected problem. Please try again; if it keeps happening, tell us.',
    action: 'home',
  },
};

/** Server codes meaning Dropbox Sign itself failed or asked us to slow down: worth retrying later. */
const UNAVAILABLE_CODES = new Set([
  'OAUTH_CONNECTION_ERROR',
  'OAUTH_TIMEOUT',
  'OAUTH_INVALID_RESPONSE',
  'exceeded_rate',
  'internal_server_error',
]);

/**
 * Which problem an error thrown by hellosign-oauth is. Decided on the error's stable `code` and
 * fields (data), not its class, so it also works across module copies.
 */
export function problemFor(error, { duringExchange = false } = {}) {
  if (error?.code === 'OAUTH_STATE_MISMATCH') return PROBLEMS.forgedState;
  if (error?.requiresReauthorization === true) return duringExchange ? PROBLEMS.codeRejected : PROBLEMS.revoked;
  if (error?.code === 'OAUTH_NO_REFRESH_TOKEN') return PROBLEMS.revoked;
  const down =
    (typeof error?.status === 'number' && (error.status >= 500 || error.status === 429)) ||
    UNAVAILABLE_CODES.has(error?.code);
  if (!down) return PROBLEMS.unexpected;
  // A reload cannot retry a callback (its state is spent), so the way out is a new connect.
  return duringExchange ? { ...PROBLEMS.unavailable, action: 'connect' } : PROBLEMS.unavailable;
}
