/**
 * `npm run bench:diagnostics`: what the diagnostics channels cost per refresh, against a build of
 * src/ whose diagnostics hooks are no-ops (bench/diagnostics-off.ts). Phase 1, nobody subscribed:
 * the ratio should be 1.00 within noise ("zero cost"). Phase 2, a subscriber on every channel:
 * what an operator pays for tracing. The refresh runs over a `fetch` that answers from memory, so
 * the figure is the package's own CPU work per call, where hook overhead would show (a socket
 * round trip would bury it in noise). Interleaved rounds, paired ratios.
 * Knobs: BENCH_ROUNDS, BENCH_PER_ROUND (env).
 */
import { subscribe } from 'node:diagnostics_channel';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './load-package.mjs';
import { TOKEN_BODY } from './loopback-server.mjs';
import { measureCalls, pairedRatio } from './measure.mjs';

const require = createRequire(import.meta.url);
const CACHE = join(ROOT, 'bench', '.cache');
const settings = {
  warmup: 5000,
  rounds: Number(process.env.BENCH_ROUNDS ?? 21),
  perRound: Number(process.env.BENCH_PER_ROUND ?? 3000),
  concurrentTotal: 5000,
  concurrency: 32,
};

/** Bundles src/index.ts; with `off`, src/diagnostics/channels.ts is swapped for the no-op build. */
async function bundle(name, off) {
  const outfile = join(CACHE, `${name}.cjs`);
  const swap = {
    name: 'diagnostics-off',
    setup(b) {
      b.onResolve({ filter: /\/diagnostics\/channels\.js$/ }, () => ({
        path: join(ROOT, 'bench', 'diagnostics-off.ts'),
      }));
    },
  };
  await build({
    entryPoints: [join(ROOT, 'src', 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'warning',
    plugins: off ? [swap] : [],
  });
  return outfile;
}

const HEADERS = new Map([
  ['content-type', 'application/json'],
  ['content-length', String(Buffer.byteLength(TOKEN_BODY))],
  ['x-ratelimit-limit', '100'],
  ['x-ratelimit-remaining', '99'],
  ['x-ratelimit-reset', '1900000000'],
]);
/** A token endpoint in memory: the official example response, with rate-limit headers. */
const memoryFetch = async () => ({
  status: 200,
  headers: { get: (name) => HEADERS.get(name.toLowerCase()) ?? null, forEach: (fn) => HEADERS.forEach(fn) },
  text: async () => TOKEN_BODY,
});

function refresher(entry) {
  const { OAuthClient } = require(entry);
  const client = new OAuthClient({ clientId: 'bench', clientSecret: 'bench-secret', fetch: memoryFetch });
  return () => client.refresh('bench-refresh-token');
}

mkdirSync(CACHE, { recursive: true });
writeFileSync(join(CACHE, '.gitignore'), '*\n');
const [withDiagnostics, withoutDiagnostics] = await Promise.all([
  bundle('diagnostics-on', false),
  bundle('diagnostics-off', true),
]);
const calls = {
  off: refresher(withoutDiagnostics),
  on: refresher(withDiagnostics),
};

async function phase(label) {
  process.stderr.write(`bench: ${label}: ${settings.rounds} rounds `);
  const result = await measureCalls(calls, { ...settings, onRound: () => process.stderr.write('.') });
  process.stderr.write('\n');
  return {
    perCallRatio: pairedRatio(result.on.roundMediansUs, result.off.roundMediansUs),
    throughputRatio: pairedRatio(result.on.roundThroughputs, result.off.roundThroughputs),
    medianUs: { withHooks: result.on.medianUs, noHooks: result.off.medianUs },
  };
}

const unsubscribed = await phase('nobody subscribed');
const names = [
  'hellosign-oauth:attempt',
  'hellosign-oauth:rate-limit',
  ...['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((e) => `tracing:hellosign-oauth:token-request:${e}`),
];
let events = 0;
for (const name of names) subscribe(name, () => events++);
const subscribed = await phase('a subscriber on every channel');
if (events === 0) throw new Error('the subscribed phase saw no event: the bench measured nothing');

const format = (r) =>
  `per call ${r.perCallRatio.toFixed(3)}x (median ${r.medianUs.withHooks.toFixed(1)} µs vs ${r.medianUs.noHooks.toFixed(1)} µs), throughput ${r.throughputRatio.toFixed(3)}x`;
console.log('| diagnostics vs a build without them | ratio |');
console.log('| --- | --- |');
console.log(`| nobody subscribed | ${format(unsubscribed)} |`);
console.log(`| every channel subscribed | ${format(subscribed)} |`);
writeFileSync(
  join(ROOT, 'bench', 'diagnostics-results.json'),
  `${JSON.stringify({ node: process.version, settings, unsubscribed, subscribed, events }, null, 2)}\n`,
);
