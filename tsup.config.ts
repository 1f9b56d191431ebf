import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Plugin } from 'esbuild';
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
  'postgres/index': 'src/postgres/index.ts',
  'encryption/index': 'src/encryption/index.ts',
  'dropbox-sign/index': 'src/dropbox-sign/index.ts',
};

/** The `hellosign-oauth` bin (`dist/cli/main.js`); its source starts with a shebang, which tsup keeps. */
const CLI_ENTRIES: Record<string, string> = { main: 'src/cli/main.ts' };

function existing(entries: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).filter(([, source]) => existsSync(source)));
}

/**
 * The request path (src/internal/request-path.ts) is imported lazily, on the first request. esbuild
 * puts each module in a chunk by which entry points reach it, and the lazy module is one: since it
 * reaches only part of the core, the core would come out as two chunks that `require` must both
 * read. Importing the main entry from it, here rather than in the source (where that import would
 * close a cycle through the dynamic import), makes it reach the whole core, which stays one chunk.
 */
const requestPathReachesCore: Plugin = {
  name: 'request-path-reaches-core',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]internal[\\/]request-path\.ts$/ }, (args) => ({
      contents: `${readFileSync(args.path, 'utf8')}\nimport '../index.js';\n`,
      loader: 'ts',
    }));
  },
};

/**
 * In the CommonJS build, a lazily loaded chunk is `require`d. Rollup (which makes the CJS files)
 * keeps `import()` as written, and Node then loads a CommonJS file through its ESM loader, which
 * first compiles a lexer for its exports: the first refresh took 73 ms instead of 51 ms in an A/B.
 */
const requireLazyChunksInCjs: NonNullable<Options['plugins']>[number] = {
  name: 'require-lazy-chunks-in-cjs',
  renderChunk(code) {
    if (this.format !== 'cjs') return;
    const rewritten = code.replace(
      /\bimport\((['"])(\.\/[\w.-]+\.js)\1\)/g,
      'Promise.resolve().then(() => require($1$2$1))',
    );
    return rewritten === code ? undefined : { code: rewritten };
  },
};

/**
 * `keepNames` makes esbuild follow every function declaration with `__name(f, "f")` and give every
 * class a `static { __name(this, "C") }` block, in case minification renames them. This build does
 * not minify, so where the binding already carries the name (`function f`, an anonymous
 * `var C = class`), the call only repeats what the language does: it is dropped. The ones that
 * restore a name esbuild changed to avoid a collision (`clean2` → "clean") stay. At load that is
 * ~130 fewer calls and ~20 class static blocks to compile and run (exec of the core −19 % in an
 * A/B of this change).
 */
const dropRedundantNames: NonNullable<Options['plugins']>[number] = {
  name: 'drop-redundant-names',
  renderChunk(code) {
    const rewritten = code
      .replace(/^[ \t]*__name\((\w+), "\1"\);\n/gm, '')
      .replace(
        /^([ \t]*(?:var|let|const) (\w+) = class(?: extends [^{\n]+)? \{\n)[ \t]*static \{\n[ \t]*__name\(this, "\2"\);\n[ \t]*\}\n/gm,
        '$1',
      );
    return rewritten === code ? undefined : { code: rewritten };
  },
};

/**
 * `require('hellosign-oauth')` reads one file instead of two (~5 % of its cold start in an A/B):
 * rollup's CommonJS `dist/index.js` only re-exports the core chunk, so the core's code moves into
 * it, and the chunk file, which the other entry points and the lazy chunk require, becomes
 * `module.exports = require('./index.js')` (still one copy of each class). The core also exports
 * internals those files use; on `index.js` they are non-enumerable, so `Object.keys` and a
 * consumer's view of the entry point stay the public exports. Anything unexpected fails the build.
 */
function mergeCjsCoreIntoIndex(outDir: string): void {
  const indexPath = `${outDir}/index.js`;
  const index = readFileSync(indexPath, 'utf8');
  const required = /^var (\w+) = require\('\.\/(chunk-\w+\.js)'\);$/m.exec(index);
  if (required === null) throw new Error('build: dist/index.js does not require one core chunk');
  const [requireLine, chunkVar, chunkFile] = required;
  const getter = new RegExp(
    `Object\\.defineProperty\\(exports, "(\\w+)", \\{\\s*enumerable: true,\\s*get: function \\(\\) \\{ return ${chunkVar}\\.(\\w+); \\}\\s*\\}\\);`,
    'g',
  );
  const publicNames = new Set<string>();
  for (const [, name, property] of index.matchAll(getter)) {
    if (name !== property) throw new Error(`build: dist/index.js exports ${property} as ${name}`);
    publicNames.add(name);
  }
  const rest = index.replace(getter, '').replace(requireLine, '').replace("'use strict';", '');
  if (rest.trim() !== '') throw new Error(`build: unexpected code in dist/index.js: ${rest.trim().slice(0, 80)}`);
  const chunkPath = `${outDir}/${chunkFile}`;
  const chunk = readFileSync(chunkPath, 'utf8');
  const exported = new Set<string>();
  const merged = chunk.replace(/^exports\.(\w+) = (\w+);$/gm, (line, name: string, value: string) => {
    exported.add(name);
    return publicNames.has(name) ? line : `Object.defineProperty(exports, "${name}", { value: ${value} });`;
  });
  for (const name of publicNames) {
    if (!exported.has(name)) throw new Error(`build: the core chunk does not export ${name}`);
  }
  writeFileSync(indexPath, merged);
  writeFileSync(chunkPath, "'use strict';\n\nmodule.exports = require('./index.js');\n");
}

/** What both builds share: Node 20 syntax, `node:` builtins kept, no source maps. */
const COMMON = {
  target: 'node20',
  platform: 'node',
  tsconfig: 'tsconfig.build.json',
  // Error classes report their own names (`err.name`, `constructor.name`); bundling would
  // otherwise rename or anonymise them.
  keepNames: true,
  // Keep `node:http` as written: Deno and Bun resolve builtins by that prefix (tsup 8 strips it by default).
  removeNodeProtocol: false,
  sourcemap: false,
} as const;

export default defineConfig([
  {
    ...COMMON,
    entry: existing(LIBRARY_ENTRIES),
    format: ['esm', 'cjs'],
    // The optional peer dependencies (redis, pg, @dropbox/sign) stay external, so consumers get one
    // copy of each; everything under src/ and generated/ is bundled.
    external: ['redis', 'pg', '@dropbox/sign'],
    // One copy of each module across entry points, in both formats: an `OAuthError` thrown through
    // `hellosign-oauth/redis` is `instanceof` the class exported by `hellosign-oauth`.
    splitting: true,
    // Every other entry point imports `src/index.ts` (see the top of each). esbuild's own tree
    // shaking is off and package.json's `sideEffects: false` is not applied to our own source, so
    // that import counts: every entry then reaches the whole core, which esbuild emits as ONE
    // shared chunk (and the request path one lazy chunk). `require('hellosign-oauth')` reads two
    // files instead of ten, one once `mergeCjsCoreIntoIndex` has run (docs/benchmarks.md).
    esbuildOptions(options) {
      options.treeShaking = false;
      options.ignoreAnnotations = true;
    },
    // Rollup turns the split ESM into CommonJS and tree-shakes it. Without this, tsup converts CJS
    // chunks with sucrase, which rewrites every `?.` and `??` into helper calls on the hot path.
    treeshake: true,
    esbuildPlugins: [requestPathReachesCore],
    plugins: [dropRedundantNames, requireLazyChunksInCjs],
    dts: { entry: existing(LIBRARY_ENTRIES) },
    onSuccess: async () => mergeCjsCoreIntoIndex('dist'),
    // Leaves dist/cli/ to the CLI build below (both builds run at once).
    clean: ['!cli/**'],
  },
  {
    ...COMMON,
    // The bin is a program, not a library: one self-contained CommonJS file with its own copy of
    // what it uses. Building it with the library would split the core into a chunk per CLI
    // command (each lazily imported command is an entry point of its own).
    entry: existing(CLI_ENTRIES),
    format: ['cjs'],
    outDir: 'dist/cli',
    splitting: false,
    clean: true,
  },
]);
