/**
 * `npm run soak`: 100,000 refreshes through one TokenManager over 1,000 grants, against a loopback
 * server that rotates refresh tokens, rejects stale ones, and injects 429s, 503s, 500s and
 * resets. Passes when no grant lost or went stale and the heap returns to its baseline.
 * Faults are injected before the server acts (as a rate limiter or a failing front end would):
 * a server that rotates and then fails loses the grant for any client, so that is not measured.
 * Knobs: SOAK_REFRESHES, SOAK_GRANTS, SOAK_CONCURRENCY, SOAK_FAULT_RATE (env).
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { packageEntry } from '../bench/load-package.mjs';

const REFRESHES = Number(process.env.SOAK_REFRESHES ?? 100_000);
const GRANTS = Number(process.env.SOAK_GRANTS ?? 1_000);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 64);
const FAULT_RATE = Number(process.env.SOAK_FAULT_RATE ?? 0.05);

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc (npm run soak does)');
const entry = packageEntry();
const { OAuthClient, OAuthError, TokenManager } = createRequire(import.meta.url)(entry.file);

/** The server's truth: per grant, the only refresh token it still accepts and what it issued last. */
const grants = new Map();
const grantOfToken = new Map();
const counts = { rotations: 0, staleRejected: 0, unknownRejected: 0, 429: 0, 503: 0, 500: 0, reset: 0 };

function issue(grant) {
  const state = grants.get(grant) ?? { generation: 0 };
  if (state.refreshToken) grantOfToken.delete(state.refreshToken);
  state.generation += 1;
  state.refreshToken = `rt-${grant}-${state.generation}`;
  state.accessToken = `at-${grant}-${state.generation}`;
  grants.set(grant, state);
  grantOfToken.set(state.refreshToken, grant);
  return state;
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const roll = Math.random();
    if (roll < FAULT_RATE) {
      const kind = ['429', '503', '500', 'reset'][Math.floor((roll / FAULT_RATE) * 4)];
      counts[kind] += 1;
      if (kind === 'reset') return request.socket.resetAndDestroy();
      const retryAfter = kind === '500' ? {} : { 'retry-after': '0' };
      response.writeHead(Number(kind), { 'content-type': 'application/json', ...retryAfter });
      return response.end(JSON.stringify({ error: { error_msg: 'Injected fault.', error_name: `fault_${kind}` } }));
    }
    const { refresh_token: presented } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const grant = grantOfToken.get(presented);
    if (grant === undefined) {
      // A token this server issued once but has since rotated away is stale; anything else is unknown.
      counts[/^rt-/.test(presented) ? 'staleRejected' : 'unknownRejected'] += 1;
      response.writeHead(400, { 'content-type': 'application/json' });
      return response.end(JSON.stringify({ error: 'invalid_grant', error_description: 'Refresh token is stale.' }));
    }
    const fresh = issue(grant);
    counts.rotations += 1;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        access_token: fresh.accessToken,
        refresh_token: fresh.refreshToken,
        token_type: 'Bearer',
        // Expired on arrival, so every getAccessToken refreshes.
        expires_in: 0,
      }),
    );
  });
});
server.keepAliveTimeout = 60_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

const client = new OAuthClient({
  clientId: 'soak-client',
  clientSecret: 'soak-secret-0123456789',
  baseUrl: `http://127.0.0.1:${server.address().port}`,
  allowInsecureHttp: true,
  retryBaseDelayMs: 1,
  timeoutMs: 10_000,
});
const manager = new TokenManager({ client, refreshMarginSeconds: 0 });
for (let grant = 0; grant < GRANTS; grant++) {
  const state = issue(grant);
  await manager.setTokens(`grant-${grant}`, {
    accessToken: state.accessToken,
    refreshToken: state.refreshToken,
    expiresAt: new Date(0).toISOString(),
  });
}

const heapAfterGc = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

/** Refreshes random grants with `CONCURRENCY` workers until the server has rotated `target` times. */
async function drive(target, errors) {
  const worker = async () => {
    while (counts.rotations < target) {
      const key = `grant-${Math.floor(Math.random() * GRANTS)}`;
      try {
        await manager.getAccessToken(key);
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        errors[error.code] = (errors[error.code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

const warmupErrors = {};
await drive(Math.min(5_000, REFRESHES / 10), warmupErrors);
const baselineHeap = heapAfterGc();
const startRotations = counts.rotations;
const errors = {};
let peakHeap = 0;
const sampler = setInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}, 250);
const started = process.hrtime.bigint();
await drive(startRotations + REFRESHES, errors);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
clearInterval(sampler);
const finalHeap = heapAfterGc();

let lost = 0;
let staleAccess = 0;
for (let grant = 0; grant < GRANTS; grant++) {
  const tokens = await manager.getTokens(`grant-${grant}`);
  const truth = grants.get(grant);
  if (tokens?.refreshToken !== truth.refreshToken) lost += 1;
  if (tokens?.accessToken !== truth.accessToken) staleAccess += 1;
}
server.closeAllConnections();
server.close();

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const heapGrowth = finalHeap - baselineHeap;
const passed =
  lost === 0 &&
  staleAccess === 0 &&
  counts.staleRejected === 0 &&
  counts.unknownRejected === 0 &&
  heapGrowth < Math.max(2 * 2 ** 20, baselineHeap * 0.1);
const refreshes = counts.rotations - startRotations;
process.stdout.write(
  [
    `soak (${entry.source}): ${refreshes} refreshes over ${GRANTS} grants, ${CONCURRENCY} concurrent callers, in ${seconds.toFixed(1)} s (${Math.round(refreshes / seconds)}/s)`,
    `faults injected (whole run): 429 ${counts[429]}, 503 ${counts[503]}, 500 ${counts[500]}, reset ${counts.reset}`,
    `errors surfaced to callers, by code: ${JSON.stringify(errors)}`,
    `grants whose stored refresh token is not the server's latest: ${lost}; stale access tokens: ${staleAccess}`,
    `stale refresh tokens presented to the server: ${counts.staleRejected}; unknown: ${counts.unknownRejected}`,
    `heap after gc: baseline ${mib(baselineHeap)}, after ${mib(finalHeap)} (${heapGrowth >= 0 ? '+' : ''}${mib(heapGrowth)}), peak ${mib(peakHeap)}`,
    passed ? 'PASS' : 'FAIL',
    '',
  ].join('\n'),
);
process.exitCode = passed ? 0 : 1;
