/**
 * The core on Bun and Deno (and Node, as the control): run by test/runtimes/run.mjs with the
 * runtime under test, against the mock server running on Node. Imports only the built main entry
 * (dist/index.mjs) and Web APIs; prints one JSON line: each check's outcome.
 * Args: <dist/index.mjs URL> <JSON config: baseUrl, clientId, clientSecret, closedPort, transport>.
 */
const [entryUrl, configJson] = globalThis.Deno ? Deno.args : process.argv.slice(2);
const config = JSON.parse(configJson);
const lib = await import(entryUrl);
const { OAuthClient, OAuthApiError, OAuthValidationError, OAuthConnectionError, TokenSet, DIAGNOSTICS_CHANNELS } = lib;

const checks = {};
const secrets = new Set([config.clientSecret]);

async function check(name, run) {
  try {
    const detail = await run();
    checks[name] = { ok: true, ...(detail === undefined ? {} : { detail }) };
  } catch (error) {
    checks[name] = { ok: false, error: `${error?.name}: ${error?.message}` };
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

/** How this runtime renders a value for a person: its console formatter and util.inspect. */
async function renderings(value, { json = true } = {}) {
  const out = [String(value), ...(json ? [JSON.stringify(value) ?? ''] : [])];
  if (globalThis.Bun) out.push(Bun.inspect(value));
  if (globalThis.Deno) out.push(Deno.inspect(value));
  const util = await import('node:util');
  out.push(util.inspect(value, { showHidden: true, depth: 10 }));
  if (value instanceof Error) out.push(String(value.stack));
  return out;
}

async function assertNoSecret(value, what, options) {
  for (const text of await renderings(value, options)) {
    for (const secret of secrets) assert(!text.includes(secret), `${what} shows a secret`);
  }
}

const options = {
  clientId: config.clientId,
  clientSecret: config.clientSecret,
  baseUrl: config.baseUrl,
  allowInsecureHttp: true,
  retryBaseDelayMs: 1,
  timeoutMs: 5_000,
  ...(config.transport === 'fetch' ? { fetch: globalThis.fetch } : {}),
};
const client = new OAuthClient(options);

/** Consent on the mock server: follow the authorize URL to the redirect that carries the code. */
async function consent(state) {
  const { url } = client.authorizeUrl({ state });
  const response = await fetch(url, { redirect: 'manual' });
  const location = new URL(response.headers.get('location'));
  const code = location.searchParams.get('code');
  secrets.add(code);
  return code;
}

let issued;
await check('authorize URL', async () => {
  const { url, state } = client.authorizeUrl();
  const parsed = new URL(url);
  assert(parsed.pathname === '/oauth/authorize', 'path');
  assert(parsed.searchParams.get('client_id') === config.clientId, 'client_id');
  assert(/^[A-Za-z0-9_-]{22}$/.test(state), `random state from Web Crypto, got ${state}`);
  assert(client.authorizeUrl().state !== state, 'states differ');
});

await check('exchange', async () => {
  const code = await consent('smoke-state');
  issued = await client.exchangeCode({ code, state: 'smoke-state', expectedState: 'smoke-state' });
  secrets.add(issued.accessToken).add(issued.refreshToken);
  assert(issued instanceof TokenSet, 'TokenSet');
  assert(issued.expiresAt instanceof Date, 'expiresAt');
});

await check('refresh', async () => {
  const fresh = await client.refresh(issued);
  secrets.add(fresh.accessToken).add(fresh.refreshToken);
  assert(fresh.accessToken !== issued.accessToken, 'a new access token');
  issued = fresh;
});

await check('session single flight', async () => {
  const expired = new TokenSet({
    accessToken: issued.accessToken,
    refreshToken: issued.refreshToken,
    expiresAt: new Date(0),
  });
  const session = client.session(expired);
  const tokens = await Promise.all(Array.from({ length: 10 }, () => session.getAccessToken()));
  for (const token of tokens) secrets.add(token);
  assert(new Set(tokens).size === 1, `callers got ${new Set(tokens).size} different tokens`);
  assert(tokens[0] !== expired.accessToken, 'refreshed');
  secrets.add(session.tokens.refreshToken);
  // The mock server rotates refresh tokens: the session holds the live one now.
  issued = session.tokens;
});

await check('typed errors', async () => {
  const names = [];
  try {
    await client.exchangeCode({ code: 'no-such-code-0123456789', state: 's' });
  } catch (error) {
    assert(error instanceof OAuthApiError, `API error, got ${error?.name}`);
    assert(error.status === 400 && typeof error.code === 'string', 'status and code');
    await assertNoSecret(error, 'an API error');
    names.push(`${error.name}(${error.code})`);
  }
  try {
    await client.exchangeCode({ code: '', state: 's' });
  } catch (error) {
    assert(error instanceof OAuthValidationError, `validation error, got ${error?.name}`);
    names.push(error.name);
  }
  const offline = new OAuthClient({ ...options, baseUrl: `http://127.0.0.1:${config.closedPort}`, maxRetries: 0 });
  try {
    await offline.refresh(issued.refreshToken);
  } catch (error) {
    assert(error instanceof OAuthConnectionError, `connection error, got ${error?.name}`);
    await assertNoSecret(error, 'a connection error');
    names.push(error.name);
  }
  assert(names.length === 3, `only ${names.length} of 3 calls failed`);
  return names.join(', ');
});

await check('redaction', async () => {
  await assertNoSecret(client, 'the client');
  // JSON is how tokens are stored (toJSON), so only the renderings meant for people count here.
  await assertNoSecret(issued, 'a TokenSet', { json: false });
  const shown = globalThis.Bun ? Bun.inspect(issued) : globalThis.Deno ? Deno.inspect(issued) : String(issued);
  return shown.replace(/\s+/g, ' ').slice(0, 160);
});

await check('diagnostics channels', async () => {
  const dc = await import('node:diagnostics_channel');
  const seen = [];
  const listener = (message) => seen.push(message);
  dc.subscribe(DIAGNOSTICS_CHANNELS.attempt, listener);
  dc.subscribe(`tracing:${DIAGNOSTICS_CHANNELS.tokenRequest}:asyncEnd`, listener);
  try {
    const fresh = await client.refresh(issued);
    secrets.add(fresh.accessToken).add(fresh.refreshToken);
    issued = fresh;
  } finally {
    dc.unsubscribe(DIAGNOSTICS_CHANNELS.attempt, listener);
    dc.unsubscribe(`tracing:${DIAGNOSTICS_CHANNELS.tokenRequest}:asyncEnd`, listener);
  }
  assert(seen.length === 2, `expected an attempt and a token-request event, saw ${seen.length}`);
  await assertNoSecret(seen, 'a diagnostics payload');
});

console.log(JSON.stringify({ checks }));
