// `npm run check:generator-matrix`: proves the wrapper works with every supported generator, not
// only the pinned one. For the oldest supported version and the pinned one it regenerates generated/
// into .tmp/generator-matrix/<version>/ next to a copy of src/ and test/, type-checks that copy and
// runs the client, session, reliability and mock-server suites (with the seam test) against it.
// See docs/upgrading-the-generator.md.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate, generatorVersion, OLDEST_SUPPORTED_GENERATOR, root, SetupError } from './generator.mjs';

// The mock server (test/testing) reads request bodies through the generated models too. Its
// conformance-runner test is left out: it runs `node --test` on the repository's own files, not the copy.
const SUITES = ['test/client', 'test/session', 'test/reliability', 'test/testing'];
const IGNORED = ['/node_modules/', 'store-conformance-runners'];
const versions = [...new Set([OLDEST_SUPPORTED_GENERATOR, generatorVersion()])];
const matrix = join(root, '.tmp/generator-matrix');

/** A copy of the project whose generated/ comes from `version`; node_modules resolve from the repo. */
function prepare(version) {
  const dir = join(matrix, version);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  generate(join(dir, 'generated'), version);
  cpSync(join(root, 'src'), join(dir, 'src'), { recursive: true });
  cpSync(join(root, 'test'), join(dir, 'test'), { recursive: true });
  // Tests import the documented examples (docs/examples), so they come along.
  cpSync(join(root, 'docs/examples'), join(dir, 'docs/examples'), { recursive: true });
  const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ ...tsconfig, include: ['src', 'generated', 'test', 'docs/examples'] }),
  );
  writeFileSync(
    join(dir, 'jest.config.js'),
    `module.exports = { ...require(${JSON.stringify(join(root, 'jest.config.js'))}), rootDir: __dirname };\n`,
  );
  return dir;
}

function run(label, command, args, cwd) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`check:generator-matrix: ${label}: ${result.status === 0 ? 'ok' : 'FAILED'} (${seconds} s)`);
  return result.status === 0;
}

const results = [];
for (const version of versions) {
  console.log(`\n== generator ${version}`);
  let dir;
  try {
    dir = prepare(version);
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    console.error(`check:generator-matrix: ${version}: ${error.message}`);
    results.push([version, 'generate', false]);
    continue;
  }
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const jest = join(root, 'node_modules/jest/bin/jest.js');
  results.push([version, 'tsc', run(`${version} tsc`, process.execPath, [tsc, '-p', 'tsconfig.json'], dir)]);
  results.push([
    version,
    'jest',
    run(
      `${version} jest ${SUITES.join(' ')}`,
      process.execPath,
      [jest, '--ci', ...SUITES, '--testPathIgnorePatterns', ...IGNORED],
      dir,
    ),
  ]);
}

console.log('\ncheck:generator-matrix summary');
for (const [version, step, ok] of results)
  console.log(`  ${version.padEnd(8)} ${step.padEnd(8)} ${ok ? 'ok' : 'FAILED'}`);
if (results.some(([, , ok]) => !ok)) {
  console.error(
    'check:generator-matrix: the wrapper does not work with every supported generator; a failing seam test names the assumption that broke (docs/upgrading-the-generator.md).',
  );
  process.exitCode = 1;
} else {
  rmSync(matrix, { recursive: true, force: true });
}
