/**
 * `hellosign-oauth/encryption`: grants encrypted at rest (AES-256-GCM, `node:crypto`) in any
 * `TokenStore`, with key rotation. Kept out of the main entry, which stays free of `node:crypto`.
 */
// Build layout, not an API dependency: every entry point imports the main one, so the bundler
// emits the core as one shared chunk and `require('hellosign-oauth')` reads two files (tsup.config.ts).
import '../index.js';

export { EncryptedStoreError } from './errors.js';
export {
  type EncryptedStoreOptions,
  type EncryptedTokenStore,
  encryptedStore,
  type RotationReport,
} from './store.js';
