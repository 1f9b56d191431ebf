import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, 'bench', '.cache');

/** The CommonJS entry `exports['.'].require` (or `main`) of the built package, if it was built. */
function builtEntry() {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const exported = manifest.exports?.['.'] ?? manifest.exports;
  const candidates = [
    typeof exported?.require === 'string' ? exported.require : exported?.require?.default,
    manifest.main,
  ].filter((entry) => typeof entry === 'string');
  for (const entry of candidates) {
    const file = join(ROOT, entry);
    if (file.startsWith(join(ROOT, 'dist')) && existsSync(file)) return file;
  }
  return undefined;
}

/** Bundles src/ the way a build would: everything in one file (the package has no runtime dependency). */
export function bundleSource() {
  mkdirSync(CACHE, { recursive: true });
  const outfile = join(CACHE, 'hellosign-oauth.cjs');
  const result = spawnSync(
    join(ROOT, 'node_modules', '.bin', 'esbuild'),
    [
      join(ROOT, 'src', 'index.ts'),
      '--bundle',
      '--platform=node',
      '--format=cjs',
      '--target=node20',
      `--outfile=${outfile}`,
      '--log-level=warning',
    ],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error('esbuild could not bundle src/');
  writeFileSync(join(CACHE, '.gitignore'), '*\n');
  return outfile;
}

/**
 * Where this package's CommonJS build is, and whether it came from dist/ or a bench bundle.
 * BENCH_FROM_SOURCE=1 bundles src/ even when dist/ exists (dist/ may predate the working tree).
 */
export function packageEntry() {
  const built = process.env.BENCH_FROM_SOURCE === '1' ? undefined : builtEntry();
  if (built) return { file: built, source: 'dist' };
  const reason = process.env.BENCH_FROM_SOURCE === '1' ? 'BENCH_FROM_SOURCE=1' : 'no dist/';
  return { file: bundleSource(), source: `esbuild bundle of src (${reason})` };
}
