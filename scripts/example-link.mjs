// Makes examples/service runnable from this repo: builds the package when dist/ is older than its
// sources, and links it in as the example's `hellosign-oauth`. The example's other dependencies
// (fastify and its plugins, helmet, redis, pg) resolve from this repo's node_modules, one folder up:
// test/examples/service-package.test.ts keeps their versions the same in both package.json files.
// Published-package use is the release rehearsal's job (scripts/release-rehearsal.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const exampleDir = join(root, 'examples', 'service');

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

function buildIfStale() {
  const built = join(root, 'dist', 'testing', 'index.mjs');
  const sources = ['src', 'generated', 'package.json', 'tsup.config.ts'].map((name) => join(root, name));
  if (existsSync(built) && statSync(built).mtimeMs > Math.max(...sources.map(newestMtime))) return;
  console.log('Building hellosign-oauth (dist/ is older than src/)…');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed.');
}

function linkPackage() {
  const link = join(exampleDir, 'node_modules', 'hellosign-oauth');
  const target = relative(dirname(link), root);
  if (existsSync(link) && !lstatSync(link).isSymbolicLink()) {
    // An installed copy (from `npm install` in the example) would shadow this checkout's code.
    rmSync(link, { recursive: true });
  }
  if (!existsSync(link)) {
    mkdirSync(dirname(link), { recursive: true });
    rmSync(link, { force: true });
    symlinkSync(target, link, 'dir');
  }
}

/** Builds (when stale) and links; then `examples/service/src/*.js` can be imported from here. */
export function prepareExample() {
  buildIfStale();
  linkPackage();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) prepareExample();
