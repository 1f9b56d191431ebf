// Shared by `npm run generate` and `npm run check:generated`: fetch the pinned generator jar
// through Maven, verify it, and run the pinned npm wrapper against it with no further downloads.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export class SetupError extends Error {}

export function generatorVersion() {
  const config = JSON.parse(readFileSync(join(root, 'openapitools.json'), 'utf8'));
  return config['generator-cli'].version;
}

function onPath(command, args) {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return !result.error && result.status === 0;
}

function hasJava() {
  return onPath('java', ['-version']);
}

export function requireTools() {
  if (!hasJava()) {
    throw new SetupError(
      'Java not found: install a JDK 17+ (e.g. `apt-get install openjdk-17-jdk-headless`) and put `java` on PATH.',
    );
  }
  if (!onPath('mvn', ['-v'])) {
    throw new SetupError(
      'Maven not found: install Apache Maven 3 (e.g. `apt-get install maven`) and put `mvn` on PATH.',
    );
  }
}

function localRepository() {
  // Honour a relocated Maven repository the same way Maven does, else the default.
  return process.env.MAVEN_REPO_LOCAL || join(homedir(), '.m2', 'repository');
}

/** The oldest generator the seam is checked against (`npm run check:generator-matrix`). */
export const OLDEST_SUPPORTED_GENERATOR = '7.14.0';

/** The expected SHA-256 of each generator jar the project runs, from scripts/openapi-generator-cli.sha256. */
function expectedChecksum(version) {
  const name = `openapi-generator-cli-${version}.jar`;
  for (const line of readFileSync(join(root, 'scripts/openapi-generator-cli.sha256'), 'utf8').split('\n')) {
    const [sum, file] = line.trim().split(/\s+/);
    if (file === name) return sum;
  }
  throw new SetupError(
    `scripts/openapi-generator-cli.sha256 has no checksum for ${name}: add one when changing the pinned or oldest supported version.`,
  );
}

/** Returns the path of the verified jar, fetching it into the Maven cache when absent. */
export function generatorJar(version = generatorVersion()) {
  const jar = join(
    localRepository(),
    'org/openapitools/openapi-generator-cli',
    version,
    `openapi-generator-cli-${version}.jar`,
  );
  if (!existsSync(jar)) {
    const fetched = spawnSync(
      'mvn',
      [
        '-q',
        '-B',
        `-Dmaven.repo.local=${localRepository()}`,
        'dependency:get',
        `-Dartifact=org.openapitools:openapi-generator-cli:${version}`,
        '-Dtransitive=false',
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (fetched.status !== 0 || !existsSync(jar)) {
      throw new SetupError(`Maven could not fetch org.openapitools:openapi-generator-cli:${version}.`);
    }
  }
  const expected = expectedChecksum(version);
  const actual = createHash('sha256').update(readFileSync(jar)).digest('hex');
  if (actual !== expected) {
    throw new SetupError(
      `SHA-256 mismatch for ${jar}: expected ${expected}, got ${actual}. Delete the file and retry; if it persists, do not use it.`,
    );
  }
  return jar;
}

/**
 * Runs the generator into `outDir` (replacing it), using the committed spec and configuration;
 * `version` defaults to the pinned one (openapitools.json).
 */
export function generate(outDir, version = generatorVersion()) {
  requireTools();
  const jar = generatorJar(version);
  rmSync(outDir, { recursive: true, force: true });
  // The generator reads the ignore file from the output folder (--ignore-file-override alone is
  // not honoured for every file), so seed it there; it then becomes part of the output.
  mkdirSync(outDir, { recursive: true });
  copyFileSync(join(root, '.openapi-generator-ignore'), join(outDir, '.openapi-generator-ignore'));
  const wrapper = join(root, 'node_modules/@openapitools/openapi-generator-cli/main.js');
  const result = spawnSync(
    process.execPath,
    [
      wrapper,
      // A custom generator makes the wrapper skip its own version lookup and download.
      `--custom-generator=${jar}`,
      'generate',
      '--generator-name=typescript-fetch',
      `--input-spec=${join(root, 'openapi.yaml')}`,
      `--config=${join(root, 'generator-config.json')}`,
      `--output=${outDir}`,
    ],
    { cwd: root, env: { ...process.env, PWD: root }, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    throw new SetupError(`openapi-generator failed with exit code ${result.status}.`);
  }
  return outDir;
}

/** Lists every file under `dir`, relative and sorted, so two trees can be compared. */
export function listFiles(dir) {
  const out = [];
  const walk = (current) => {
    for (const name of readdirSync(current)) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}
