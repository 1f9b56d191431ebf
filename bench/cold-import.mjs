import { execFileSync } from 'node:child_process';
import { median, shuffled } from './stats.mjs';

/**
 * A child process that times only the `require` calls, not Node's own start-up. The elapsed time is
 * taken before `process.stdout` is touched: its getter sets up the stream (~5 ms), which would
 * otherwise land inside every measurement.
 */
function timeRequire(modules, cwd) {
  const requires = modules.map((m) => `require(${JSON.stringify(m)});`).join('');
  const script = `const t = process.hrtime.bigint();${requires}const ms = Number(process.hrtime.bigint() - t) / 1e6;process.stdout.write(String(ms));`;
  return Number(execFileSync(process.execPath, ['-e', script], { cwd, encoding: 'utf8' }));
}

/**
 * Median cold `require` time in ms for each entry, runs interleaved. An entry is `[module, ...]`
 * (required from `cwd`) or `{ modules, cwd }` (from its own folder: an installed tarball's project).
 */
export function measureColdRequire(entries, { runs, cwd }) {
  const times = Object.fromEntries(Object.keys(entries).map((id) => [id, []]));
  for (let run = 0; run < runs; run++) {
    for (const id of shuffled(Object.keys(entries))) {
      const entry = Array.isArray(entries[id]) ? { modules: entries[id], cwd } : entries[id];
      times[id].push(timeRequire(entry.modules, entry.cwd));
    }
  }
  return Object.fromEntries(
    Object.entries(times).map(([id, values]) => [id, { medianMs: median(values), runsMs: values }]),
  );
}
