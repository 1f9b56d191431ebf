import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const read = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'));

describe('examples/service/package.json', () => {
  const own = read('package.json');
  const example = read('examples/service/package.json');

  it('depends on this version of hellosign-oauth, by version (npm run version keeps it so)', () => {
    expect(example.dependencies['hellosign-oauth']).toBe(own.version);
  });

  it('pins the versions this repo runs the example with (its other dependencies resolve from here)', () => {
    for (const [name, version] of Object.entries(example.dependencies)) {
      if (name === 'hellosign-oauth') continue;
      expect({ name, version: own.devDependencies[name] }).toEqual({ name, version });
    }
  });

  it('overrides the same transitive versions as this repo, so both install the same tree', () => {
    expect(example.overrides).toEqual(own.overrides);
  });
});
