import { OAuthError } from '../client/errors.js';

/**
 * An encrypted store could not read a stored grant. Switch on `code`:
 * - `OAUTH_ENCRYPTION_KEY_MISSING`: the value was encrypted under a key id not in `keys` (`keyId` says which);
 * - `OAUTH_DECRYPTION_FAILED`: the key with that id does not open it: another key under the same id,
 *   a value altered in the store, or a value copied from another grant's key;
 * - `OAUTH_NOT_ENCRYPTED`: the stored value is not an encrypted envelope (written before
 *   encryption was turned on: see `readPlaintext`).
 *
 * Never carries a token or key material.
 */
export class EncryptedStoreError extends OAuthError {
  /** The grant whose value could not be read. */
  readonly key: string;
  /** The key id named in the stored envelope, when there is one. */
  readonly keyId: string | undefined;

  constructor(message: string, code: string, key: string, keyId?: string) {
    super(message, code);
    this.key = key;
    this.keyId = keyId;
  }
}
