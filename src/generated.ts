/**
 * The generated layer, for power users: `import { OAuthApi, Configuration } from 'hellosign-oauth/generated'`.
 *
 * This is OpenAPI Generator's `typescript-fetch` output for `openapi.yaml`, exported as is: the
 * `OAuthApi` class, the request and response models with their `…FromJSON`/`…ToJSON` helpers, and
 * the runtime (`Configuration`, `ResponseError`, …). It has none of `OAuthClient`'s validation,
 * timeouts, retries, error mapping or redaction. Its shape follows the generator, so a generator
 * upgrade may change it; the main entry point is the stable API.
 *
 * @packageDocumentation
 */
// Build layout, not an API dependency: every entry point imports the main one, so the bundler
// emits the core as one shared chunk and `require('hellosign-oauth')` reads two files (tsup.config.ts).
import './index.js';

export * from '../generated/index.js';
