import { median, quantile, shuffled } from './stats.mjs';

/** Runs `call` `count` times one after another; returns each call's latency in microseconds. */
async function sequential(call, count) {
  const samples = new Array(count);
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await call();
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  return samples;
}

/** Runs `total` calls through `concurrency` workers; returns calls per second. */
async function concurrent(call, total, concurrency) {
  let started = 0;
  const worker = async () => {
    while (started < total) {
      started += 1;
      await call();
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return total / (Number(process.hrtime.bigint() - start) / 1e9);
}

/**
 * Measures every contender in interleaved rounds (a fresh order each round), so load from other
 * processes lands on all of them alike. Ratios are taken within a round, then their median kept.
 */
export async function measureCalls(calls, { warmup, rounds, perRound, concurrentTotal, concurrency, onRound }) {
  const ids = Object.keys(calls);
  for (const id of ids) {
    await sequential(calls[id], warmup);
    await concurrent(calls[id], warmup, concurrency);
  }
  const samples = Object.fromEntries(ids.map((id) => [id, []]));
  const roundMedians = Object.fromEntries(ids.map((id) => [id, []]));
  const throughputs = Object.fromEntries(ids.map((id) => [id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const id of shuffled(ids)) {
      const latencies = await sequential(calls[id], perRound);
      samples[id].push(...latencies);
      roundMedians[id].push(median(latencies));
    }
    for (const id of shuffled(ids)) throughputs[id].push(await concurrent(calls[id], concurrentTotal, concurrency));
    onRound?.(round + 1);
  }
  return Object.fromEntries(
    ids.map((id) => [
      id,
      {
        medianUs: median(samples[id]),
        p99Us: quantile(samples[id], 0.99),
        roundMediansUs: roundMedians[id],
        throughputPerSec: median(throughputs[id]),
        roundThroughputs: throughputs[id],
      },
    ]),
  );
}

/** The median over rounds of `a[round] / b[round]`. */
export function pairedRatio(a, b) {
  return median(a.map((value, round) => value / b[round]));
}
