import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Bytes under `dir`, leaving out its own node_modules (those dependencies are counted once, on their own). */
function directoryBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

/** Node's lookup: the nearest node_modules/<name> from `fromDir` upwards. */
function resolvePackageDir(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Every package directory a package pulls in at run time (dependencies, transitively). */
export function runtimeDependencies(packageDir) {
  const seen = new Set();
  const visit = (dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      const depDir = resolvePackageDir(name, dir);
      if (depDir && !seen.has(depDir)) {
        seen.add(depDir);
        visit(depDir);
      }
    }
  };
  visit(packageDir);
  return [...seen];
}

/** What `npm pack` would publish for the package in `dir`: tarball bytes, unpacked bytes, files. */
export function packed(dir) {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', dir], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [info] = JSON.parse(output);
  return { packedBytes: info.size, unpackedBytes: info.unpackedSize, files: info.entryCount };
}

/**
 * Size and dependency count of a package as a user installs it: its own published files plus
 * each runtime dependency's installed directory.
 */
export function footprint(dir, { ownBytes } = {}) {
  const pack = packed(dir);
  const dependencies = runtimeDependencies(dir);
  const dependencyBytes = dependencies.reduce((sum, depDir) => sum + directoryBytes(depDir), 0);
  const own = ownBytes ?? pack.unpackedBytes;
  return {
    ...pack,
    runtimeDependencies: dependencies.length,
    installedBytes: own + dependencyBytes,
  };
}
