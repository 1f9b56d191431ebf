// The service's HTML. Plain pages, no scripts; every value from outside is escaped.
import { createHash } from 'node:crypto';

const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (char) => ENTITIES[char]);
}

/** A button that starts the OAuth flow (GET, so it is a link styled as a button). */
const connectButton = (label) => `<a class="button" href="/connect">${escapeHtml(label)}</a>`;
const homeLink = '<a href="/">Home</a>';

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1a1a1a; }
h1 { font-size: 1.6rem; }
.button, button { display: inline-block; padding: .5rem 1rem; border: 0; border-radius: 4px; background: #0061fe; color: #fff; font: inherit; text-decoration: none; cursor: pointer; }
.secondary { background: #e8e8e8; color: #1a1a1a; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; }
form { display: inline; }
.actions { display: flex; gap: 1rem; align-items: center; margin-top: 1.5rem; }
`;

/** The Content-Security-Policy source that lets this stylesheet, and no other style, apply. */
export const STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

function layout(title, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Dropbox Sign example</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** Home when no Dropbox Sign account is connected. */
export function connectPage() {
  return layout(
    'Connect',
    `<h1>Connect Dropbox Sign</h1>
<p>This app needs access to your Dropbox Sign account to send documents for signature.</p>
<div class="actions">${connectButton('Connect Dropbox Sign')}</div>`,
  );
}

function accountDetails(account) {
  const rows = [
    ['Email', account.email_address],
    ['Account ID', account.account_id],
    ['Locale', account.locale],
  ].filter(([, value]) => value !== undefined && value !== null);
  return `<dl>${rows.map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`;
}

const disconnectButton =
  '<form method="post" action="/disconnect"><button type="submit" class="secondary">Disconnect</button></form>';

/** Home with the connected account. */
export function homePage(account) {
  return layout(
    'Connected',
    `<h1>Connected to Dropbox Sign</h1>
<p>Signed in as <strong id="account-email">${escapeHtml(account.email_address ?? 'unknown')}</strong>.</p>
<div class="actions"><a class="button" href="/account">Account details</a>${disconnectButton}</div>`,
  );
}

/** `/account`: what `GET /v3/account` answered. */
export function accountPage(account) {
  return layout(
    'Account',
    `<h1>Your Dropbox Sign account</h1>
${accountDetails(account)}
<div class="actions">${homeLink}${disconnectButton}</div>`,
  );
}

/** `GET /disconnect`: disconnecting changes state, so it takes a POST; this page offers it. */
export function disconnectPage() {
  return layout(
    'Disconnect',
    `<h1>Disconnect Dropbox Sign?</h1>
<p>This app will delete the access tokens it holds for your Dropbox Sign account.</p>
<p>Dropbox Sign offers apps no way to hand access back: to end this app’s authorization at
Dropbox Sign too, disconnect it in your Dropbox Sign account settings.</p>
<div class="actions">${disconnectButton}${homeLink}</div>`,
  );
}

/**
 * A page for something the user can act on: what happened, in plain words, and the way out.
 * `action` is `connect` (start again), `reconnect` (consent again) or `home`.
 */
export function problemPage({ title, message, action }) {
  const way =
    action === 'reconnect'
      ? connectButton('Reconnect')
      : action === 'connect'
        ? connectButton('Connect Dropbox Sign')
        : action === 'retry'
          ? '<a class="button" href="">Try again</a>'
          : '';
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
<div class="actions">${way}${homeLink}</div>`,
  );
}
