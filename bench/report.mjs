// Issue 13's targets.
const TARGETS = {
  perCallVsDropbox: 0.6,
  perCallVsFloor: 1.3,
  coldVsDropbox: 0.12,
};

const us = (value) => `${Math.round(value)} µs`;
const ratio = (value) => `${value.toFixed(2)}×`;
const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
const mark = (ok) => (ok ? '✓' : '✗');

/** The markdown report: per-call table, cold require, footprint, and each target met or missed. */
export function renderReport(results) {
  const { perCall, coldRequire: cold, size, machine } = results;
  const lines = [
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}.`,
    `Loopback server in the same process; ${results.settings.rounds} interleaved rounds × ${results.settings.perRound} sequential calls; throughput with ${results.settings.concurrency} concurrent calls. Ratios are medians of per-round ratios. Package loaded from: ${results.packageEntry}. Cold \`require\` from: ${results.coldRequireFrom ?? results.packageEntry}.`,
    '',
    '| Refresh call | median | p99 | vs @dropbox/sign | vs floor | calls/s at 64 | throughput vs @dropbox/sign |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const result of Object.values(perCall)) {
    lines.push(
      `| ${result.label} | ${us(result.medianUs)} | ${us(result.p99Us)} | ${ratio(result.perCallVsDropbox)} | ${ratio(result.perCallVsFloor)} | ${Math.round(result.throughputPerSec)} | ${ratio(result.throughputVsDropbox)} |`,
    );
  }
  lines.push(
    '',
    '| Package | cold `require` (median) | vs @dropbox/sign | packed | installed (with deps) | runtime deps |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    `| hellosign-oauth (installed tarball) | ${cold.ours.medianMs.toFixed(1)} ms | ${ratio(cold.ours.vsDropbox)} | ${kib(size.ours.packedBytes)} | ${kib(size.ours.installedBytes)} | ${size.ours.runtimeDependencies} |`,
    `| hellosign-oauth + request path, \`node:http\`/\`node:https\` (loaded on first request) | ${cold.oursWithTransport.medianMs.toFixed(1)} ms | ${ratio(cold.oursWithTransport.vsDropbox)} | | | |`,
    `| @dropbox/sign 1.11 | ${cold.dropbox.medianMs.toFixed(1)} ms | 1.00× | ${kib(size.dropbox.packedBytes)} | ${kib(size.dropbox.installedBytes)} | ${size.dropbox.runtimeDependencies} |`,
    '',
    'Targets:',
    `- ${mark(perCall.ours.perCallVsDropbox <= TARGETS.perCallVsDropbox)} per call ≤ ${TARGETS.perCallVsDropbox}× @dropbox/sign: ${ratio(perCall.ours.perCallVsDropbox)}`,
    `- ${mark(perCall.ours.perCallVsFloor <= TARGETS.perCallVsFloor)} per call ≤ ${TARGETS.perCallVsFloor}× the floor: ${ratio(perCall.ours.perCallVsFloor)}`,
    `- ${mark(perCall.ours.throughputVsDropbox > 1)} throughput at 64 ahead of @dropbox/sign: ${ratio(perCall.ours.throughputVsDropbox)}`,
    `- ${mark(cold.ours.vsDropbox <= TARGETS.coldVsDropbox)} cold require ≤ ${TARGETS.coldVsDropbox}× @dropbox/sign: ${ratio(cold.ours.vsDropbox)}`,
    '',
  );
  return lines.join('\n');
}
