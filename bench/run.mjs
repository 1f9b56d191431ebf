/**
 * `npm run bench`: the refresh call of this package against the official SDK and plain clients,
 * all in one process against one loopback server; then cold require time, size and dependencies.
 * Prints a markdown table and writes bench/results.json. Knobs: BENCH_ROUNDS, BENCH_PER_ROUND,
 * BENCH_COLD_RUNS, BENCH_FROM_SOURCE=1 (env).
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { measureColdRequire } from './cold-import.mjs';
import { assertTokens, contenders } from './contenders.mjs';
import { footprint } from './footprint.mjs';
import { installFromTarball } from './installed-package.mjs';
import { packageEntry, ROOT } from './load-package.mjs';
import { startTokenServer } from './loopback-server.mjs';
import { measureCalls, pairedRatio } from './measure.mjs';
import { renderReport } from './report.mjs';

const settings = {
  warmup: 1000,
  rounds: Number(process.env.BENCH_ROUNDS ?? 12),
  perRound: Number(process.env.BENCH_PER_ROUND ?? 400),
  concurrentTotal: 3000,
  concurrency: 64,
  coldRuns: Number(process.env.BENCH_COLD_RUNS ?? 9),
};

const entry = packageEntry();
const server = await startTokenServer();
const list = contenders(entry.file);
const calls = {};
for (const contender of list) {
  calls[contender.id] = contender.create(server.baseUrl);
  assertTokens(await calls[contender.id](), contender.id);
}
process.stderr.write(`bench: ${settings.rounds} rounds of ${settings.perRound} sequential calls each `);
const perCall = await measureCalls(calls, { ...settings, onRound: () => process.stderr.write('.') });
process.stderr.write('\n');
await server.close();

for (const contender of list) {
  const result = perCall[contender.id];
  result.label = contender.label;
  result.perCallVsDropbox = pairedRatio(result.roundMediansUs, perCall.dropbox.roundMediansUs);
  result.perCallVsFloor = pairedRatio(result.roundMediansUs, perCall.floor.roundMediansUs);
  result.throughputVsDropbox = pairedRatio(result.roundThroughputs, perCall.dropbox.roundThroughputs);
}

// Cold start as a user sees it (issue 13): `require('hellosign-oauth')` from the packed tarball
// installed in a fresh project, against `require('@dropbox/sign')` installed from the registry.
process.stderr.write('bench: packing dist/ and installing the tarball into a temporary project\n');
const installed = installFromTarball();
process.stderr.write(`bench: cold require, ${settings.coldRuns} child processes each\n`);
let cold;
try {
  cold = measureColdRequire(
    {
      ours: { modules: ['hellosign-oauth'], cwd: installed.cwd },
      // What the first request adds: the request path chunk (transport, generated request builder)
      // and the default transport's node:http and node:https (TLS).
      oursWithTransport: {
        modules: ['hellosign-oauth', ...installed.requestPathChunks, 'node:http', 'node:https'],
        cwd: installed.cwd,
      },
      dropbox: ['@dropbox/sign'],
    },
    { runs: settings.coldRuns, cwd: ROOT },
  );
} finally {
  installed.dispose();
}
for (const result of Object.values(cold)) result.vsDropbox = result.medianMs / cold.dropbox.medianMs;

const size = {
  ours: footprint(ROOT),
  dropbox: footprint(join(ROOT, 'node_modules', '@dropbox', 'sign')),
};

const results = {
  date: new Date().toISOString(),
  machine: {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  },
  settings,
  packageEntry: entry.source,
  coldRequireFrom: 'npm pack tarball installed into a temporary project',
  perCall,
  coldRequire: cold,
  size,
};
writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(renderReport(results));
