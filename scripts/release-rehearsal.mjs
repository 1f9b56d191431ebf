// `npm run release:rehearsal`: publishes this package the way a release does and consumes it the
// way another service does. Regenerate the client, check it did not drift, build, pack, publish
// the tarball to a throwaway local Verdaccio, then install `hellosign-oauth@<version>` by name
// from that registry into a temporary copy of examples/service and run the service's tests there.
//
// Verdaccio 6.8.0 (the last release that runs on Node 20) is installed once into a cache folder
// outside the repo, with node-fetch overridden to 2.7.0 so it installs. The registry gets its own
// storage, htpasswd and port in a temp folder; npm is pointed at it with --registry and a temp
// userconfig, so the user's ~/.npmrc is never read for it or written. Every run starts from a
// fresh registry, so it can run again at once; it stops what it started, even when a step fails.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleDir, root } from './example-link.mjs';

const VERDACCIO_VERSION = '6.8.0';
const PACKAGE = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const cacheDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hellosign-oauth');
const verdaccioDir = join(cacheDir, `verdaccio-${VERDACCIO_VERSION}`);

class StepError extends Error {}

function step(title) {
  console.log(`\n== release rehearsal: ${title}`);
}

/** Runs a command, streaming its output; throws StepError naming it when it fails. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0)
    throw new StepError(`${command} ${args[0] ?? ''} failed (exit ${result.status ?? result.signal}).`);
  return result;
}

function capture(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: root, ...options });
  if (result.status !== 0) throw new StepError(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout.trim();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function installVerdaccio() {
  const bin = join(verdaccioDir, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  if (existsSync(bin)) return bin;
  mkdirSync(verdaccioDir, { recursive: true });
  writeFileSync(
    join(verdaccioDir, 'package.json'),
    `${JSON.stringify(
      {
        private: true,
        description: 'Verdaccio for the hellosign-oauth release rehearsal',
        dependencies: { verdaccio: VERDACCIO_VERSION },
        overrides: { 'node-fetch': '2.7.0' },
      },
      null,
      2,
    )}\n`,
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: verdaccioDir });
  return bin;
}

function verdaccioConfig(work, uplink) {
  // JSON is YAML, so no YAML library is needed to write Verdaccio's config.
  return JSON.stringify(
    {
      storage: join(work, 'storage'),
      auth: { htpasswd: { file: join(work, 'htpasswd'), max_users: 10 } },
      uplinks: { upstream: { url: uplink, timeout: '60s' } },
      packages: {
        // Never proxied: the rehearsal must install the tarball it published, not a namesake upstream.
        [PACKAGE.name]: { access: '$all', publish: '$authenticated' },
        '**': { access: '$all', publish: '$authenticated', proxy: 'upstream' },
      },
      web: { enable: false },
      log: { type: 'stdout', format: 'pretty', level: 'warn' },
    },
    null,
    2,
  );
}

async function waitForRegistry(url, child) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new StepError(`Verdaccio exited with code ${child.exitCode}.`);
    try {
      if ((await fetch(`${url}-/ping`)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new StepError('Verdaccio did not answer /-/ping within 60 s.');
}

async function addUser(registry) {
  const name = 'rehearsal';
  const response = await fetch(`${registry}-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: 'rehearsal-password', email: 'rehearsal@example.invalid' }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.token !== 'string')
    throw new StepError(`Could not create the registry user (${response.status}).`);
  return body.token;
}

async function main() {
  const version = PACKAGE.version;
  const work = mkdtempSync(join(tmpdir(), 'hellosign-oauth-rehearsal-'));
  let verdaccio;
  const stop = () => {
    if (verdaccio && verdaccio.exitCode === null) {
      try {
        process.kill(-verdaccio.pid, 'SIGTERM');
      } catch {}
    }
  };
  const interrupt = (signal) => {
    stop();
    rmSync(work, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    step('regenerate the client and check it did not drift');
    run('npm', ['run', 'generate', '--silent']);
    const drift = capture('git', ['status', '--porcelain', '--', 'generated']);
    if (drift) throw new StepError(`generated/ changed when regenerated from openapi.yaml; commit it:\n${drift}`);

    step('build and pack');
    run('npm', ['run', 'build', '--silent']);
    // --ignore-scripts: prepack would build a second time.
    const packed = JSON.parse(capture('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work]));
    const tarball = join(work, packed[0].filename);
    console.log(`packed ${packed[0].filename}: ${packed[0].entryCount} files, ${packed[0].size} bytes`);

    step(`start Verdaccio ${VERDACCIO_VERSION}`);
    const bin = installVerdaccio();
    const uplink = capture('npm', ['config', 'get', 'registry']);
    const port = await freePort();
    const registry = `http://127.0.0.1:${port}/`;
    writeFileSync(join(work, 'config.yaml'), verdaccioConfig(work, uplink));
    verdaccio = spawn(process.execPath, [bin, '--config', join(work, 'config.yaml'), '--listen', `127.0.0.1:${port}`], {
      cwd: work,
      detached: true, // its own process group, so `stop` ends it and anything it started
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await waitForRegistry(registry, verdaccio);
    console.log(`registry at ${registry}`);

    // Two npm configs: the publisher's holds the token; the consumer installs anonymously, as
    // services do (and Verdaccio need not check a password on each of its requests).
    const publisherConfig = join(work, 'publisher.npmrc');
    const consumerConfig = join(work, 'consumer.npmrc');
    writeFileSync(
      publisherConfig,
      `registry=${registry}\n//127.0.0.1:${port}/:_authToken=${await addUser(registry)}\n`,
    );
    writeFileSync(consumerConfig, `registry=${registry}\n`);
    const npmCache = ['--cache', join(work, 'npm-cache')];
    const publisher = ['--registry', registry, '--userconfig', publisherConfig, ...npmCache];
    const consumer = ['--registry', registry, '--userconfig', consumerConfig, ...npmCache];

    step(`publish ${PACKAGE.name}@${version}`);
    // Provenance needs a CI identity provider; this registry is a rehearsal, not the release.
    run('npm', ['publish', tarball, '--provenance=false', '--access', 'public', ...publisher], { cwd: work });
    const published = capture('npm', ['view', `${PACKAGE.name}@${version}`, 'version', ...consumer], { cwd: work });
    if (published !== version) throw new StepError(`The registry reports version ${published}, not ${version}.`);

    step(`install ${PACKAGE.name}@${version} by name into a copy of examples/service`);
    const service = join(work, 'service');
    cpSync(exampleDir, service, { recursive: true, filter: (source) => !source.includes('node_modules') });
    run(
      'npm',
      [
        'install',
        '--save-exact',
        // Every Node line engines allows must install the example without an engine warning.
        '--engine-strict',
        `${PACKAGE.name}@${version}`,
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        ...consumer,
      ],
      { cwd: service },
    );
    // The very tarball packed above, installed as a package (not a link to this checkout).
    const lock = JSON.parse(readFileSync(join(service, 'package-lock.json'), 'utf8'));
    const installed = lock.packages[`node_modules/${PACKAGE.name}`];
    if (installed?.version !== version || installed.integrity !== packed[0].integrity || installed.link) {
      throw new StepError(`${PACKAGE.name} is not the tarball published: ${JSON.stringify(installed)}`);
    }
    if (lstatSync(join(service, 'node_modules', PACKAGE.name)).isSymbolicLink()) {
      throw new StepError(`${PACKAGE.name} was linked, not installed.`);
    }
    console.log(
      `installed ${PACKAGE.name}@${version} from ${registry} (integrity ${installed.integrity.slice(0, 19)}…)`,
    );

    step("run the service's tests against the installed package");
    run('npm', ['test'], { cwd: service });
    console.log(
      `\nrelease rehearsal: ${PACKAGE.name}@${version} published, installed by name and tested in the example service`,
    );
  } finally {
    stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`\nrelease rehearsal failed: ${error instanceof StepError ? error.message : error.stack}`);
  process.exitCode = 1;
});
