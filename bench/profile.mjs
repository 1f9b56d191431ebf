/**
 * `node --cpu-prof --cpu-prof-dir=bench/.cache/prof bench/profile.mjs [contender] [calls]`: runs
 * one contender's refresh sequentially so a CPU profile shows where its time goes; then
 * `node bench/profile-summary.mjs <file.cpuprofile>` sums the profile by function and by package.
 */
import { assertTokens, contenders } from './contenders.mjs';
import { packageEntry } from './load-package.mjs';
import { startTokenServer } from './loopback-server.mjs';

const [id = 'ours', count = '20000'] = process.argv.slice(2);
const contender = contenders(packageEntry().file).find((candidate) => candidate.id === id);
if (!contender) throw new Error(`no contender "${id}"`);
const server = await startTokenServer();
const call = contender.create(server.baseUrl);
assertTokens(await call(), id);
const start = process.hrtime.bigint();
for (let i = 0; i < Number(count); i++) await call();
const perCall = Number(process.hrtime.bigint() - start) / 1000 / Number(count);
process.stdout.write(`${id}: ${perCall.toFixed(0)} µs per call over ${count} calls\n`);
await server.close();
