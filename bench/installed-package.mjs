import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './load-package.mjs';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * This package as a user gets it: `npm pack` of the current dist/ (scripts off, so packing does
 * not rebuild), installed from the tarball into a fresh temporary project. Cold `require` is then
 * timed there, through node_modules and package.json `exports`, not on dist/ inside the repo.
 * Returns the project folder (the `cwd` for the child processes), the lazily loaded request-path
 * chunk(s) and a `dispose()`.
 */
export function installFromTarball() {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('bench: run `npm run build` first (no dist/).');
  const dir = mkdtempSync(join(tmpdir(), 'hellosign-oauth-bench-'));
  const packed = JSON.parse(
    execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
      cwd: ROOT,
      encoding: 'utf8',
    }),
  );
  const tarball = join(dir, packed[0].filename);
  const project = join(dir, 'project');
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), '{ "name": "bench-consumer", "private": true }\n');
  execFileSync(
    npm,
    ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', '--omit=peer', '--offline', tarball],
    { cwd: project, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (!existsSync(join(project, 'node_modules', 'hellosign-oauth', 'package.json'))) {
    throw new Error('bench: installing the packed tarball did not produce node_modules/hellosign-oauth');
  }
  // The chunk the first request loads (src/internal/request-path-loader.ts), by absolute path: its name is hashed.
  const dist = join(project, 'node_modules', 'hellosign-oauth', 'dist');
  const requestPathChunks = readdirSync(dist)
    .filter((name) => /^request-path-.*\.js$/.test(name))
    .map((name) => join(dist, name));
  return { cwd: project, tarball, requestPathChunks, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
