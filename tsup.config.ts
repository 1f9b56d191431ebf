import { existsSync, readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

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
};

const CLI_ENTRY = 'src/cli/main.ts';

function existing(entries: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).filter(([, source]) => existsSync(source)));
}

const shared: Options = {
  target: 'node20',
  platform: 'node',
  tsconfig: 'tsconfig.build.json',
  // Dependencies and peer dependencies (node-fetch, redis) stay external, so consumers get one
  // copy of each; everything under src/ and generated/ is bundled.
  external: ['node-fetch', 'redis'],
  sourcemap: false,
  minify: false,
  treeshake: false,
};

const library: Options = {
  ...shared,
  entry: existing(LIBRARY_ENTRIES),
  format: ['esm', 'cjs'],
  // One copy of each module across entry points (in both formats), so an `OAuthError` thrown via
  // `hellosign-oauth/redis` is `instanceof` the class exported by `hellosign-oauth`.
  splitting: true,
  dts: true,
  clean: true,
};

// The CLI is CommonJS only: a bin needs no dual format, and `.js` is CommonJS in this package.
const cliSource = existsSync(CLI_ENTRY) ? readFileSync(CLI_ENTRY, 'utf8') : undefined;
const cli: Options | undefined =
  cliSource === undefined
    ? undefined
    : {
        ...shared,
        entry: { 'cli/main': CLI_ENTRY },
        format: ['cjs'],
        splitting: false,
        dts: false,
        clean: false,
        // tsup keeps a shebang written in the source (and marks the file executable); add one otherwise.
        banner: cliSource.startsWith('#!') ? undefined : { js: '#!/usr/bin/env node' },
      };

export default defineConfig(cli ? [library, cli] : [library]);
