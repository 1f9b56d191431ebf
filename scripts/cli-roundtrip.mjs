// The CLI round trip of issue 7, run against a real bin: mock-server → authorize → exchange →
// refresh → reused code fails. Each CLI call is a separate process, as a user would run it.
//
//   node scripts/cli-roundtrip.mjs                      npm pack this repo (prepack builds), install, run
//   node scripts/cli-roundtrip.mjs --tarball x.tgz      install that tarball into a temp project, run
//   node scripts/cli-roundtrip.mjs --cli path/cli.js    run that file with node (tests use a bundle)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { tarball: { type: 'string' }, cli: { type: 'string' } } });
const CLIENT_ID = 'roundtrip-client';
const CLIENT_SECRET = 'roundtrip-secret-6a0c9e';
const TOKEN_KEYS = 'accessToken,refreshToken,tokenType,expiresIn,expiresAt,state';
const temp = mkdtempSync(join(tmpdir(), 'hellosign-oauth-roundtrip-'));
let passed = 0;
let failed = 0;

function sh(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

/** The command that runs the bin: [executable, ...leading args]. */
function installedCli() {
  if (values.cli) return [process.execPath, resolve(values.cli)];
  let tarball = values.tarball && resolve(values.tarball);
  if (!tarball) {
    // prepack builds and prints to stdout, so the tarball is found on disk rather than in npm's output.
    sh('npm', ['pack', '--pack-destination', temp], { cwd: root });
    tarball = join(
      temp,
      readdirSync(temp).find((name) => name.endsWith('.tgz')),
    );
  }
  const project = join(temp, 'project');
  sh('npm', ['install', '--no-audit', '--no-fund', '--prefix', project, tarball]);
  return [join(project, 'node_modules', '.bin', 'hellosign-oauth')];
}

function check(name, condition, detail = '') {
  if (condition) passed += 1;
  else failed += 1;
  console.log(`${condition ? 'ok  ' : 'FAIL'} ${name}${condition || !detail ? '' : `: ${detail}`}`);
}

function cli(command, args, { input, env } = {}) {
  const [bin, ...lead] = command;
  return spawnSync(bin, [...lead, ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, ...env },
    timeout: 20_000,
  });
}

function startMockServer(command) {
  const [bin, ...lead] = command;
  // Secrets travel by environment and stdin, never argv, where any local user could read them (ps).
  const child = spawn(bin, [...lead, 'mock-server', '--client-id', CLIENT_ID], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HELLOSIGN_CLIENT_SECRET: CLIENT_SECRET },
  });
  return new Promise((resolveUrl, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('mock-server printed no URL within 10 s')), 10_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolveUrl({ child, url: match[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`mock-server exited with ${code}`)));
  });
}

function location(url) {
  return new Promise((resolveLocation, reject) => {
    request(url, { agent: false }, (res) => {
      res.resume();
      resolveLocation(res.headers.location);
    })
      .on('error', reject)
      .end();
  });
}

async function main() {
  const command = installedCli();
  const { child, url } = await startMockServer(command);
  const exited = new Promise((done) => child.on('exit', (code, signal) => done(code ?? signal)));
  try {
    const env = {
      HELLOSIGN_CLIENT_ID: CLIENT_ID,
      HELLOSIGN_CLIENT_SECRET: CLIENT_SECRET,
      HELLOSIGN_OAUTH_BASE_URL: url,
    };
    check('mock-server prints where it listens', url.startsWith('http://127.0.0.1:'));

    const authorize = cli(command, ['authorize-url', '--allow-insecure-http'], { env });
    const { url: authorizeUrl, state } = JSON.parse(authorize.stdout);
    check('authorize-url prints the URL and state', authorize.status === 0 && authorizeUrl.startsWith(url));

    const callback = new URL(await location(authorizeUrl));
    const code = callback.searchParams.get('code');
    check('consent redirects with a code and the state', Boolean(code) && callback.searchParams.get('state') === state);

    const exchange = cli(
      command,
      ['exchange', '--allow-insecure-http', '--code-stdin', '--state', state, '--expected-state', state],
      { env, input: `${code}\n` },
    );
    const tokens = exchange.status === 0 ? JSON.parse(exchange.stdout) : {};
    check('exchange prints the token JSON', Object.keys(tokens).join() === TOKEN_KEYS, exchange.stderr);

    const refresh = cli(command, ['refresh', '--allow-insecure-http'], { env, input: exchange.stdout });
    const refreshed = refresh.status === 0 ? JSON.parse(refresh.stdout) : {};
    check(
      'refresh (token JSON on stdin) prints new tokens',
      Boolean(refreshed.accessToken) && refreshed.accessToken !== tokens.accessToken,
      refresh.stderr,
    );

    const reuse = cli(command, ['exchange', '--allow-insecure-http', '--code', '-', '--state', state], {
      env,
      input: code,
    });
    const lines = reuse.stderr.trimEnd().split('\n');
    check(
      'a reused code fails with one line naming 400 invalid_grant, and no secret',
      reuse.status === 1 &&
        reuse.stdout === '' &&
        lines.length === 1 &&
        lines[0].includes('400 invalid_grant') &&
        !reuse.stderr.includes(code) &&
        !reuse.stderr.includes(CLIENT_SECRET),
      reuse.stderr,
    );
  } finally {
    child.kill('SIGTERM');
  }
  check('mock-server stops cleanly on SIGTERM', (await exited) === 0);
}

try {
  await main();
} catch (error) {
  failed += 1;
  console.log(`FAIL ${error.message}`);
} finally {
  rmSync(temp, { recursive: true, force: true });
}
console.log(`cli roundtrip: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
