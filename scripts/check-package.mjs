// `npm run check:package`: checks what `npm publish` would ship, on the real tarball. Run after
// `npm run build`. Packs once, then: the tarball holds only the allow-listed files and every
// `exports` target; publint (strict) and attw (node10, node16 CJS/ESM, bundler) find nothing; and
// fresh ESM, CommonJS and TypeScript (node16 and bundler, strict) projects install the tarball
// offline, type-check, and run an exchange and a refresh against a loopback server.
// KEEP_CONSUMERS=1 keeps the temporary folder for inspection.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const consumers = join(root, 'scripts/consumers');
const bin = (name) => join(root, 'node_modules/.bin', name);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));

// What consumers need, and nothing else: compiled code, declarations and the package's own docs.
const ALLOWED = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/[\w/-]+\.(js|mjs|d\.ts|d\.mts))$/;

class CheckFailed extends Error {}

function fail(message) {
  throw new CheckFailed(message);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    fail(`${[command, ...args].join(' ')} failed (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

/** Like `run`, but concurrent: resolves with the output, rejects with it on a non-zero exit. */
function runAsync(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => {
      if (status === 0) resolve(output);
      else
        reject(
          new CheckFailed(`${[command, ...args].join(' ')} failed (exit ${status}) in ${options.cwd}:\n${output}`),
        );
    });
  });
}

/** Every file an `exports` condition points at, e.g. `./dist/redis/index.d.mts`. */
function exportTargets(value) {
  if (typeof value === 'string') return [value];
  return Object.values(value).flatMap(exportTargets);
}

function pack(destination) {
  // --ignore-scripts: the build has just run; this packs exactly that build.
  const [packed] = JSON.parse(
    run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], { cwd: root }),
  );
  return { ...packed, path: join(destination, packed.filename) };
}

function checkContents(packed) {
  const files = packed.files.map((file) => file.path);
  const unexpected = files.filter((file) => !ALLOWED.test(file));
  if (unexpected.length > 0) fail(`the tarball holds files consumers do not need:\n  ${unexpected.join('\n  ')}`);
  const targets = [...exportTargets(pkg.exports), pkg.main, pkg.module, pkg.types, ...Object.values(pkg.bin ?? {})];
  const missing = targets.map((target) => target.replace(/^\.\//, '')).filter((target) => !files.includes(target));
  if (missing.length > 0) fail(`package.json points at files missing from the tarball:\n  ${missing.join('\n  ')}`);
  for (const [subpath, [target]] of Object.entries(pkg.typesVersions?.['*'] ?? {})) {
    if (!files.includes(target.replace(/^\.\//, ''))) fail(`typesVersions "${subpath}" points at a missing ${target}`);
  }
  console.log(
    `check:package: ${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(1)} kB packed, ${(packed.unpackedSize / 1024).toFixed(1)} kB unpacked`,
  );
}

async function checkPublint(packed) {
  const tarball = readFileSync(packed.path);
  const result = await publint({
    pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
    level: 'suggestion',
    strict: true,
  });
  for (const message of result.messages) console.log(`publint ${message.type}: ${formatMessage(message, result.pkg)}`);
  const problems = result.messages.filter((message) => message.type !== 'suggestion');
  if (problems.length > 0) fail(`publint reported ${problems.length} problem(s)`);
  console.log(`check:package: publint: no errors or warnings (${result.messages.length} suggestions)`);
}

function checkTypes(packed) {
  // --no-definitely-typed: stay offline; this package ships its own types.
  const output = run(
    bin('attw'),
    [packed.path, '--profile', 'strict', '--no-definitely-typed', '--format', 'table-flipped'],
    {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0' },
    },
  );
  console.log(output.trim());
  console.log('check:package: attw: no problems under node10, node16 (CJS and ESM) and bundler');
}

/** The lockfile entries for `names` and everything they need, copied from this repo's lockfile. */
function lockClosure(names) {
  const entries = {};
  const visit = (name, from, optional = false) => {
    // Node's lookup: the nearest node_modules folder, walking up from the dependent.
    let base = from;
    for (;;) {
      const path = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (lock.packages[path]) {
        if (entries[path]) return;
        const { dev, devOptional, peer, optional, ...entry } = lock.packages[path];
        entries[path] = entry;
        const optionalPeers = entry.peerDependenciesMeta ?? {};
        for (const dependency of [
          ...Object.keys(entry.dependencies ?? {}),
          ...Object.keys(entry.peerDependencies ?? {}).filter((peerName) => !optionalPeers[peerName]?.optional),
        ]) {
          visit(dependency, path);
        }
        // npm ci wants an optional dependency (pg's pg-cloudflare) in the lockfile too, when npm installed it.
        for (const dependency of Object.keys(entry.optionalDependencies ?? {})) visit(dependency, path, true);
        return;
      }
      if (!base && optional) return;
      if (!base) fail(`package-lock.json has no entry for ${name}, needed by a consumer project`);
      const parent = base.lastIndexOf('/node_modules/');
      base = parent === -1 ? '' : base.slice(0, parent);
    }
  };
  for (const name of names) visit(name, '');
  return entries;
}

function version(name) {
  return lock.packages[`node_modules/${name}`].version;
}

/**
 * A fresh project in `dir` with the tarball and a lockfile, so `npm ci --offline` installs it
 * from npm's cache alone (everything it needs is in this repo's lockfile, so `npm ci` cached it).
 */
function prepareConsumer(dir, packed, devDependencies) {
  cpSync(packed.path, join(dir, 'hellosign-oauth.tgz'));
  cpSync(join(consumers, 'token-server.cjs'), join(dir, 'token-server.cjs'));
  cpSync(join(consumers, 'token-server.d.cts'), join(dir, 'token-server.d.cts'));
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  manifest.dependencies = { 'hellosign-oauth': 'file:hellosign-oauth.tgz' };
  manifest.devDependencies = Object.fromEntries(devDependencies.map((name) => [name, version(name)]));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const { scripts, devDependencies: _dev, ...published } = pkg;
  const packages = {
    '': { name: manifest.name, dependencies: manifest.dependencies, devDependencies: manifest.devDependencies },
    'node_modules/hellosign-oauth': {
      version: pkg.version,
      resolved: 'file:hellosign-oauth.tgz',
      integrity: packed.integrity,
      license: published.license,
      dependencies: published.dependencies,
      peerDependencies: published.peerDependencies,
      peerDependenciesMeta: published.peerDependenciesMeta,
      bin: published.bin,
      engines: published.engines,
    },
    ...lockClosure([...Object.keys(pkg.dependencies ?? {}), ...devDependencies]),
  };
  for (const name of devDependencies) packages[`node_modules/${name}`].dev = true;
  writeFileSync(
    join(dir, 'package-lock.json'),
    `${JSON.stringify({ name: manifest.name, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
}

async function install(dir) {
  await runAsync('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir });
}

async function esmConsumer(dir, packed) {
  prepareConsumer(dir, packed, ['redis', 'pg']);
  await install(dir);
  return runAsync(process.execPath, ['main.mjs'], { cwd: dir });
}

async function cjsConsumer(dir, packed) {
  // Without the optional redis and pg peers: everything but hellosign-oauth/redis and /postgres must work.
  prepareConsumer(dir, packed, []);
  await install(dir);
  // The bin, as npm linked it: a CommonJS file with a shebang, executable.
  const help = await runAsync(join(dir, 'node_modules/.bin/hellosign-oauth'), ['--help'], { cwd: dir });
  if (!help.includes('Usage: hellosign-oauth')) fail(`hellosign-oauth --help printed no usage:\n${help}`);
  // Issue 7's CLI round trip (mock-server → authorize → exchange → refresh → reused code), on the installed bin.
  const roundtrip = await runAsync(
    process.execPath,
    [join(root, 'scripts/cli-roundtrip.mjs'), '--cli', join(dir, 'node_modules/.bin/hellosign-oauth')],
    { cwd: dir },
  );
  const consumer = await runAsync(process.execPath, ['main.cjs'], { cwd: dir });
  return `${consumer.trim()}\n${roundtrip.trim().split('\n').at(-1)}`;
}

async function typescriptConsumer(dir, packed) {
  // The consumer's own compiler and Node types, at this repo's versions, installed like any package.
  prepareConsumer(dir, packed, ['typescript', '@types/node', 'redis', 'pg']);
  await install(dir);
  const tsc = join(dir, 'node_modules/typescript/bin/tsc');
  const outputs = [];
  for (const resolution of ['node16', 'bundler']) {
    await runAsync(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], { cwd: dir });
    const out = join(dir, 'out', resolution);
    cpSync(join(dir, 'token-server.cjs'), join(out, 'token-server.cjs'));
    outputs.push(`${resolution}: ${(await runAsync(process.execPath, ['main.js'], { cwd: out })).trim()}`);
  }
  return outputs.join('\n');
}

async function checkConsumers(packed, scratch) {
  const projects = { esm: esmConsumer, cjs: cjsConsumer, ts: typescriptConsumer };
  const results = await Promise.allSettled(
    Object.entries(projects).map(async ([name, check]) => {
      const dir = join(scratch, name);
      cpSync(join(consumers, name), dir, { recursive: true });
      return check(dir, packed);
    }),
  );
  for (const result of results) {
    if (result.status === 'fulfilled') console.log(result.value.trim());
  }
  const failures = results.filter((result) => result.status === 'rejected').map((result) => result.reason);
  if (failures.length > 0) fail(failures.map((error) => error.message).join('\n\n'));
  console.log('check:package: ESM, CommonJS and TypeScript (node16, bundler) consumers pass');
}

const scratch = mkdtempSync(join(tmpdir(), 'hellosign-oauth-package-'));
try {
  if (!existsSync(join(root, 'dist'))) fail('dist/ is missing: run `npm run build` first');
  const packed = pack(scratch);
  checkContents(packed);
  await checkPublint(packed);
  checkTypes(packed);
  await checkConsumers(packed, scratch);
} catch (error) {
  if (!(error instanceof CheckFailed)) throw error;
  console.error(`check:package: ${error.message}`);
  process.exitCode = 1;
} finally {
  if (process.env.KEEP_CONSUMERS) console.log(`check:package: consumers kept in ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
