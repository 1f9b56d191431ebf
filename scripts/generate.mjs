// `npm run generate`: regenerate generated/ from openapi.yaml with the pinned generator.
import { join } from 'node:path';
import { generate, root, SetupError } from './generator.mjs';

try {
  const started = Date.now();
  generate(join(root, 'generated'));
  console.log(`generated/ written in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  if (error instanceof SetupError) {
    console.error(`generate: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
