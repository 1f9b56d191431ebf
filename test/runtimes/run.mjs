/**
 * `npm run test:runtimes`: the core on Bun and Deno (issue 17), with Node as the control. Installs
 * the runtimes from their npm packages (`bun`, `deno`: they ship the binaries) into a cache outside
 * the repo, builds dist/ if missing, checks that the main entry statically imports no Node-only
 * module, then runs test/runtimes/smoke.mjs on each runtime, over its global fetch and over the
 * default transport, against the mock server running here on Node. Prints a table and a closing
 * "N passed, N failed" line; exits non-zero on any failure.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hellosign-oauth');
/** Exact versions, so a run is reproducible; raise them on purpose. */
const RUNTIMES = { bun: '1.4.5', deno: '2.9.6' };
/** node: modules that Bun and Deno both implement, so the main entry may import them statically. */
const SHARED_BUILTINS = new Set(['node:diagnostics_channel']);

function runtimeBinary(name) {
  const prefix = join(CACHE, `${name}-${RUNTIMES[name]}`);
  const binary = join(prefix, 'node_modules', '.bin', name);
  if (!existsSync(binary)) {
    process.stderr.write(`runtimes: installing ${name}@${RUNTIMES[name]} from npm into ${prefix}\n`);
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        prefix,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        `${name}@${RUNTIMES[name]}`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  return binary;
}

/** Every module the file imports statically (`import … from`, `export … from`), following relative ones. */
function staticImports(file, seen = new Set()) {
  if (seen.has(file)) return [];
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  const found = [];
  for (const match of source.matchAll(
    /^\s*(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm,
  )) {
    const specifier = match[1] ?? match[2];
    if (specifier.startsWith('.')) found.push(...staticImports(resolve(dirname(file), specifier), seen));
    else found.push(specifier);
  }
  return found;
}

function run(command, args, timeoutMs) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

async function closedPort() {
  const { createServer } = await import('node:net');
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

if (!existsSync(join(ROOT, 'dist', 'index.mjs'))) {
  process.stderr.write('runtimes: dist/ missing, building\n');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}
const entry = join(ROOT, 'dist', 'index.mjs');
let passed = 0;
let failed = 0;
const rows = [];

const nodeOnly = staticImports(entry).filter((specifier) => !SHARED_BUILTINS.has(specifier));
rows.push([
  'static imports of dist/index.mjs',
  '-',
  nodeOnly.length === 0 ? 'only node:diagnostics_channel' : `FAIL: ${nodeOnly.join(', ')}`,
]);
if (nodeOnly.length === 0) passed++;
else failed++;

const { startMockServer } = await import(pathToFileURL(join(ROOT, 'dist', 'testing', 'index.mjs')).href);
const server = await startMockServer({ rotateRefreshTokens: true });
const binaries = { node: process.execPath, bun: runtimeBinary('bun'), deno: runtimeBinary('deno') };
const versions = {
  node: process.version,
  bun: execFileSync(binaries.bun, ['--version'], { encoding: 'utf8' }).trim(),
  deno: execFileSync(binaries.deno, ['--version'], { encoding: 'utf8' })
    .split('\n')[0]
    .replace('deno ', '')
    .split(' ')[0],
};
const port = await closedPort();

try {
  const variants = [
    ...['node', 'bun', 'deno'].flatMap((runtime) => [
      { runtime, transport: 'fetch' },
      { runtime, transport: 'default' },
    ]),
    // Deno without --allow-env: the proxy variables cannot be read, and must not break the client.
    { runtime: 'deno', transport: 'default', denoEnv: false },
  ];
  for (const { runtime, transport, denoEnv = true } of variants) {
    const config = JSON.stringify({
      baseUrl: server.url,
      clientId: server.clientId,
      clientSecret: server.clientSecret,
      closedPort: port,
      transport,
    });
    const script = join(ROOT, 'test', 'runtimes', 'smoke.mjs');
    const args =
      runtime === 'deno'
        ? [
            'run',
            '--no-prompt',
            '--allow-net=127.0.0.1',
            ...(denoEnv ? ['--allow-env'] : []),
            `--allow-read=${ROOT}`,
            script,
          ]
        : [script];
    const before = server.requests.oauthTokenRefresh;
    const result = await run(binaries[runtime], [...args, pathToFileURL(entry).href, config], 60_000);
    const refreshes = server.requests.oauthTokenRefresh - before;
    let checks;
    try {
      checks = JSON.parse(result.stdout.trim().split('\n').pop()).checks;
    } catch {
      checks = { 'smoke script': { ok: false, error: `exit ${result.code}: ${result.stderr.slice(-600)}` } };
    }
    // 1 refresh, 1 for ten concurrent session callers (single flight), 1 with diagnostics on.
    checks['one refresh for ten session callers'] =
      refreshes === 3 ? { ok: true } : { ok: false, error: `the server saw ${refreshes} refreshes, expected 3` };
    for (const [name, outcome] of Object.entries(checks)) {
      if (outcome.ok) passed++;
      else failed++;
      rows.push([
        `${runtime} ${versions[runtime]}`,
        `${transport === 'fetch' ? 'global fetch' : 'default (node:http)'}${denoEnv ? '' : ', no --allow-env'}`,
        `${name}: ${outcome.ok ? 'ok' : `FAIL ${outcome.error}`}${outcome.detail ? ` (${outcome.detail})` : ''}`,
      ]);
    }
  }
} finally {
  await server.close();
}

console.log('| runtime | transport | check |');
console.log('| --- | --- | --- |');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
console.log(`runtimes: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
