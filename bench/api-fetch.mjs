/**
 * `npm run bench:api`: what `session.fetch` adds per call over a plain `fetch` with a fixed
 * `Authorization` header, while the token is fresh (target: under 10 µs).
 *
 * 1. Bookkeeping: both sides call the same in-process `fetch` that answers at once, so the
 *    network is out of the picture and the difference is the package's own work (path join,
 *    origin check, headers, token lookup, timeout timer, the 401 check).
 * 2. Side by side over loopback (global fetch, undici): the same two calls against a local server,
 *    as a ratio, to show how that difference compares to a real round trip.
 * Rounds interleave the two in a fresh order each time; figures are medians over rounds.
 * Knobs: BENCH_ROUNDS, BENCH_PER_ROUND, BENCH_FROM_SOURCE=1.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { packageEntry } from './load-package.mjs';
import { median, shuffled } from './stats.mjs';

const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const perRound = Number(process.env.BENCH_PER_ROUND ?? 5000);
const entry = packageEntry();
const { OAuthClient, TokenSet } = createRequire(import.meta.url)(entry.file);

const FIXED = { authorization: 'Bearer a-fixed-token-of-the-usual-length-0123456789abc' };
const tokens = new TokenSet({
  accessToken: 'a-managed-token-of-the-usual-length-0123456789abc',
  refreshToken: 'refresh',
  expiresIn: 3600,
  expiresAt: new Date(Date.now() + 3600_000),
});

function sessionOver(fetchImpl, apiBaseUrl) {
  const client = new OAuthClient({
    clientId: 'bench',
    clientSecret: 'bench-secret',
    apiBaseUrl,
    allowInsecureHttp: true,
    fetch: fetchImpl,
  });
  return client.session(tokens);
}

/** Per-call microseconds of `count` sequential awaited calls. */
async function batch(call, count) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await call();
  return Number(process.hrtime.bigint() - start) / 1000 / count;
}

async function compare(calls, count, label) {
  const ids = Object.keys(calls);
  for (const id of ids) await batch(calls[id], Math.min(count, 2000));
  const perRoundUs = Object.fromEntries(ids.map((id) => [id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const id of shuffled(ids)) perRoundUs[id].push(await batch(calls[id], count));
    process.stderr.write('.');
  }
  process.stderr.write(` ${label}\n`);
  return perRoundUs;
}

// 1. Bookkeeping, against an in-process fetch that answers at once.
const answer = async () => new Response(null, { status: 204 });
const instant = sessionOver(answer, 'https://api.hellosign.com/v3');
const direct = await compare(
  {
    plain: () => answer('https://api.hellosign.com/v3/account', { headers: FIXED }),
    session: () => instant.fetch('/account'),
  },
  perRound,
  'in-process fetch',
);
const overheads = direct.session.map((value, round) => value - direct.plain[round]);

// 2. Over loopback, with the global fetch.
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
  res.end('{}');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}/v3`;
const looped = sessionOver(undefined, base);
const loopback = await compare(
  {
    plain: async () => (await fetch(`${base}/account`, { headers: FIXED })).text(),
    session: async () => (await looped.fetch('/account')).text(),
  },
  Math.max(1, Math.round(perRound / 10)),
  'loopback',
);
server.close();
server.closeAllConnections();

const ratio = median(loopback.session.map((value, round) => value / loopback.plain[round]));
const us = (value) => `${value.toFixed(2)} µs`;
console.log(
  `session.fetch bookkeeping (${entry.source}; ${rounds} rounds × ${perRound} calls, Node ${process.version})`,
);
console.log('');
console.log('| call (token fresh)                          | per call, median of rounds |');
console.log('| ------------------------------------------- | -------------------------: |');
console.log(`| plain fetch + fixed header, in-process fetch | ${us(median(direct.plain)).padStart(26)} |`);
console.log(`| session.fetch, same in-process fetch         | ${us(median(direct.session)).padStart(26)} |`);
console.log(`| **bookkeeping added by session.fetch**       | ${`**${us(median(overheads))}**`.padStart(26)} |`);
console.log(`| plain fetch + fixed header, loopback         | ${us(median(loopback.plain)).padStart(26)} |`);
console.log(`| session.fetch, loopback                      | ${us(median(loopback.session)).padStart(26)} |`);
console.log('');
console.log(
  `Bookkeeping: ${us(median(overheads))} per call (target < 10 µs: ${median(overheads) < 10 ? 'met' : 'NOT met'}); over loopback session.fetch takes ${ratio.toFixed(3)}× a plain fetch.`,
);
