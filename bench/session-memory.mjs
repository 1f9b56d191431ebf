// Memory per grant in a TokenManager at 10,000 grants, after getAccessToken on every grant.
//
//   node bench/session-memory.mjs [grants]
//
// Bundles src/ with esbuild (bench/load-package.mjs, into bench/.cache),
// gives OAuthClient an in-memory fetch that answers every refresh with tokens as long as the
// official example's, and reports retained heap per grant: after setTokens (the store's entry)
// and after every grant was refreshed concurrently (what remains once all refreshes settled).
// Then the same for dead grants: a server that answers every refresh with 400 invalid_grant (and
// the headers a real one sends), so each grant needs reauthorization; a dead grant must cost no
// more than a live one.
// Each round runs in its own `node --expose-gc` process, so no round sees another's garbage.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { bundleSource } from './load-package.mjs';

const GRANTS = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 10_000);
const ROUNDS = 5;

/** A random token as long as the official example's (68 or 56 characters), as one flat string. */
function token(length) {
  return randomBytes((length / 4) * 3).toString('base64');
}

function fakeFetch() {
  const headers = { get: () => null, forEach: () => {} };
  return async () => {
    const text = JSON.stringify({
      access_token: token(68),
      refresh_token: token(56),
      token_type: 'Bearer',
      expires_in: 86400,
    });
    return { status: 200, headers, text: async () => text };
  };
}

/** A server that rejects every refresh token, with the headers of a real error response. */
function rejectingFetch(requests) {
  return async () => {
    requests.count += 1;
    const values = {
      'content-type': 'application/json',
      date: new Date().toUTCString(),
      server: 'Apache',
      'x-request-id': randomBytes(12).toString('hex'),
      'x-ratelimit-limit': '100',
      'x-ratelimit-remaining': '99',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60),
      'strict-transport-security': 'max-age=15768000',
      'content-security-policy': "default-src 'self'",
    };
    const headers = {
      get: (name) => values[name.toLowerCase()] ?? null,
      forEach: (callback) => {
        for (const [name, value] of Object.entries(values)) callback(value, name);
      },
    };
    const text = JSON.stringify({
      error: { error_msg: 'The refresh token is invalid or has expired.', error_name: 'invalid_grant' },
    });
    return { status: 400, headers, text: async () => text };
  };
}

function heapUsed() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

async function measure({ OAuthClient, TokenManager, TokenSet }, grants = GRANTS) {
  const client = new OAuthClient({ clientId: 'bench-client', clientSecret: 'bench-secret-value', fetch: fakeFetch() });
  const manager = new TokenManager({ client });
  const expired = () =>
    new TokenSet({
      accessToken: token(68),
      refreshToken: token(56),
      expiresIn: 86400,
      expiresAt: new Date(Date.now() - 1000),
    });

  const empty = heapUsed();
  // Keys are counted too: the store's map holds them.
  const keys = Array.from({ length: grants }, (_, i) => `user:${String(100_000_000 + i)}`);
  for (const key of keys) await manager.setTokens(key, expired());
  const stored = heapUsed();
  const tokens = await Promise.all(keys.map((key) => manager.getAccessToken(key)));
  if (new Set(tokens).size !== grants) throw new Error('expected one fresh token per grant');
  const refreshed = heapUsed();
  const jsonBytes = JSON.stringify(await manager.getTokens(keys[0])).length;
  // A second pass must be served from the store: nothing left in flight, nothing refreshed again.
  const again = await Promise.all(keys.map((key) => manager.getAccessToken(key)));
  if (again.some((value, i) => value !== tokens[i])) throw new Error('a settled grant was refreshed again');
  tokens.length = 0;
  again.length = 0;
  // Leak check: a full life cycle (set, refresh, invalidate, refresh, delete) of every grant, twice.
  // The first pays one-off costs (compiled code, grown queues); the second must add nothing.
  await lifeCycle(manager, keys, expired);
  const afterFirstCycle = heapUsed();
  await lifeCycle(manager, keys, expired);
  const afterSecondCycle = heapUsed();
  return {
    stored: (stored - empty) / grants,
    refreshed: (refreshed - empty) / grants,
    leaked: (afterSecondCycle - afterFirstCycle) / grants,
    dead: await measureDead({ OAuthClient, TokenManager }, keys, expired),
    jsonBytes,
  };
}

/** Bytes per grant once every grant's refresh was rejected (invalid_grant): store entry and all. */
async function measureDead({ OAuthClient, TokenManager }, keys, expired) {
  const requests = { count: 0 };
  const client = new OAuthClient({
    clientId: 'bench-client',
    clientSecret: 'bench-secret-value',
    fetch: rejectingFetch(requests),
  });
  const manager = new TokenManager({ client });
  const empty = heapUsed();
  for (const key of keys) await manager.setTokens(key, expired());
  const failures = await Promise.allSettled(keys.map((key) => manager.getAccessToken(key)));
  if (failures.some((result) => result.reason?.requiresReauthorization !== true)) {
    throw new Error('expected every grant to need reauthorization');
  }
  failures.length = 0;
  // A second pass must fail fast from memory, without a request, and must not grow anything. Its
  // results are emptied, not just dropped: the awaited array may linger in a suspended frame.
  const again = await Promise.allSettled(keys.map((key) => manager.getAccessToken(key)));
  if (again.some((result) => result.status !== 'rejected')) throw new Error('a dead grant came back to life');
  again.length = 0;
  const dead = heapUsed();
  // Checked after the measurement, which also keeps the manager alive until then.
  const stillDead = await manager.getAccessToken(keys[0]).then(
    () => false,
    (error) => error.requiresReauthorization === true,
  );
  if (!stillDead || requests.count !== keys.length) throw new Error('expected one request per dead grant, then none');
  return (dead - empty) / keys.length;
}

async function lifeCycle(manager, keys, tokens) {
  for (const key of keys) await manager.setTokens(key, tokens());
  await Promise.all(keys.map((key) => manager.getAccessToken(key)));
  for (const key of keys) manager.invalidate(key);
  await Promise.all(keys.map((key) => manager.getAccessToken(key)));
  await Promise.all(keys.map((key) => manager.delete(key)));
}

/** One measured round, in this process (started by `main` with --expose-gc and the bundle's path). */
async function round(bundlePath) {
  const pkg = createRequire(import.meta.url)(bundlePath);
  // A warm-up compiles every code path, so code space does not move the measurement.
  await measure(pkg, 1000);
  process.stdout.write(JSON.stringify(await measure(pkg)));
}

function main() {
  const outfile = bundleSource();
  const results = [];
  for (let i = 0; i < ROUNDS; i++) {
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), String(GRANTS), `--round=${outfile}`],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (child.status !== 0) throw new Error(`round ${i + 1} failed`);
    const result = JSON.parse(child.stdout);
    results.push(result);
    console.log(
      `  round ${i + 1}: ${[result.stored, result.refreshed, result.leaked, result.dead].map(Math.round).join(' / ')} bytes per grant`,
    );
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const stored = median(results.map((r) => r.stored));
  const refreshed = median(results.map((r) => r.refreshed));
  const leaked = median(results.map((r) => r.leaked));
  const dead = median(results.map((r) => r.dead));
  console.log(`TokenManager over MemoryTokenStore, ${GRANTS} grants, node ${process.version}, median of ${ROUNDS}`);
  console.log(`  after setTokens:                         ${Math.round(stored)} bytes per grant`);
  console.log(`  after getAccessToken on all (refreshed): ${Math.round(refreshed)} bytes per grant`);
  console.log(`  left by a second full life cycle:        ${Math.round(leaked)} bytes per grant (leak check)`);
  console.log(`  dead grants (invalid_grant), all in:      ${Math.round(dead)} bytes per grant`);
  console.log(`  dead / live (refreshed):                 ${(dead / refreshed).toFixed(2)}`);
  console.log(`  (one grant's tokens as JSON: ${results[0].jsonBytes} bytes; keys are counted too)`);
  console.log(
    `  total at ${GRANTS} grants: ${((refreshed * GRANTS) / 1024 / 1024).toFixed(2)} MiB live, ${((dead * GRANTS) / 1024 / 1024).toFixed(2)} MiB dead`,
  );
}

const roundArg = process.argv.find((arg) => arg.startsWith('--round='));
if (roundArg) await round(roundArg.slice('--round='.length));
else main();
