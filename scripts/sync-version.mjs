// `npm run version` (run by `npm version` and by `npm run version-packages` after `changeset
// version`): copies package.json's version into src/version.ts, which the User-Agent reports,
// and into examples/service/package.json, which depends on the published package by version.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const file = join(root, 'src/version.ts');
const source = readFileSync(file, 'utf8');
const declaration = /^export const VERSION = '[^']*';$/m;
if (!declaration.test(source)) {
  console.error("sync-version: src/version.ts has no `export const VERSION = '…';` line to update");
  process.exit(1);
}
writeFileSync(file, source.replace(declaration, `export const VERSION = '${version}';`));
console.log(`sync-version: src/version.ts is ${version}`);

const example = join(root, 'examples/service/package.json');
const manifest = JSON.parse(readFileSync(example, 'utf8'));
manifest.dependencies['hellosign-oauth'] = version;
writeFileSync(example, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`sync-version: examples/service depends on hellosign-oauth ${version}`);
