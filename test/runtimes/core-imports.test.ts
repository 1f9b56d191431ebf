import { join } from 'node:path';
import { buildSync } from 'esbuild';

const ROOT = join(__dirname, '..', '..');

/** The `node:` modules each entry point pulls in, split by how: at load time, or lazily on first use. */
function nodeImports(entry: string): { static: string[]; lazy: string[] } {
  const result = buildSync({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'neutral',
    format: 'esm',
    external: ['node:*'],
    logLevel: 'silent',
    mainFields: ['module', 'main'],
  });
  const found = { static: new Set<string>(), lazy: new Set<string>() };
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imported of input.imports) {
      if (!imported.path.startsWith('node:')) continue;
      (imported.kind === 'dynamic-import' ? found.lazy : found.static).add(imported.path);
    }
  }
  return { static: [...found.static].sort(), lazy: [...found.lazy].sort() };
}

describe('the main entry point on Bun and Deno', () => {
  it('loads no Node-only module: only node:diagnostics_channel, which both implement', () => {
    expect(nodeImports('src/index.ts').static).toEqual(['node:diagnostics_channel']);
  });

  it('loads node:http and friends lazily, for the default transport and the proxy tunnel only', () => {
    expect(nodeImports('src/index.ts').lazy).toEqual(['node:http', 'node:https', 'node:net', 'node:tls']);
  });
});
