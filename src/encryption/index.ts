/**
 * `hellosign-oauth/encryption`: grants encrypted at rest (AES-256-GCM, `node:crypto`) in any
 * `TokenStore`, with key rotation. Kept out of the main entry, which stays free of `node:crypto`.
 */
export { EncryptedStoreError } from './errors.js';
export {
  type EncryptedStoreOptions,
  type EncryptedTokenStore,
  encryptedStore,
  type RotationReport,
} from './store.js';
