import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

/**
 * The library's entry points, keyed by output path (`dist/<key>.{js,mjs,d.ts,d.mts}`); each one is
 * a subpath in package.json's `exports`. An entry whose source does not exist yet is left out, so
 * a half-built tree still builds; `npm run check:package` then fails on the missing export.
 */
const LIBRARY_ENTRIES: Record<string, string> = {
  index: 'src/index.ts',
  generated: 'src/generated.ts',
  'testing/index': 'src/testing/index.ts',
  'redis/index': 'src/redis/index.ts',
  'postgres/index': 'src/postgres/index.ts',
  'encryption/index': 'src/encryption/index.ts',
  'dropbox-sign/index': 'src/dropbox-sign/index.ts',
};

/** The `hellosign-oauth` bin (`dist/cli/main.js`); its source starts with a shebang, which tsup keeps. */
const CLI_ENTRIES: Record<string, string> = { 'cli/main': 'src/cli/main.ts' };

function existing(entries: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).filter(([, source]) => existsSync(source)));
}

export default defineConfig({
  entry: existing({ ...LIBRARY_ENTRIES, ...CLI_ENTRIES }),
  format: ['esm', 'cjs'],
  target: 'node20',
  platform: 'node',
  tsconfig: 'tsconfig.build.json',
  // The optional peer dependencies (redis, pg, @dropbox/sign) stay external, so consumers get one
  // copy of each; everything under src/ and generated/ is bundled.
  external: ['redis', 'pg', '@dropbox/sign'],
  // One copy of each module across entry points, in both formats: an `OAuthError` thrown through
  // `hellosign-oauth/redis` is `instanceof` the class exported by `hellosign-oauth`, and the CLI
  // reuses the library's chunks instead of carrying its own copy.
  splitting: true,
  dts: { entry: existing(LIBRARY_ENTRIES) },
  // Error classes report their own names (`err.name`, `constructor.name`); bundling would
  // otherwise rename or anonymise them.
  keepNames: true,
  sourcemap: false,
  clean: true,
});
