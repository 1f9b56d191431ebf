import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { OAuthValidationError } from '../client/errors.js';
import type { TokenSetJSON } from '../client/tokens.js';
import { EncryptedStoreError } from './errors.js';

/**
 * How an encrypted grant sits in the underlying store: a `TokenSetJSON` shape (so every store's
 * compare-and-set, which compares `accessToken` and `refreshToken`, works on it unchanged) whose
 * `accessToken` is `hso-enc.v1.<keyId>.<iv>.<ciphertext+tag>` (base64url) and which holds nothing else
 * readable. A new random IV per write means the same tokens never encrypt to the same value twice.
 */
export const ENVELOPE_TOKEN_TYPE = 'hellosign-oauth-encrypted';
const PREFIX = 'hso-enc.v1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
/** Key ids travel inside the envelope: no dots, nothing to escape. */
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** AES-256 keys by id, validated once. */
export type KeyRing = ReadonlyMap<string, Buffer>;

function keyBytes(id: string, key: unknown): Buffer {
  let bytes: Buffer | undefined;
  if (key instanceof Uint8Array) bytes = Buffer.from(key);
  else if (typeof key === 'string' && /^[A-Za-z0-9+/_-]+={0,2}$/.test(key)) bytes = Buffer.from(key, 'base64');
  if (bytes?.length !== KEY_BYTES) {
    // The message names the id, never the key.
    throw new OAuthValidationError(
      `keys[${JSON.stringify(id)}] must be 32 bytes: a Uint8Array or a base64 string (e.g. from \`openssl rand -base64 32\`).`,
    );
  }
  return bytes;
}

/** Validates `keys` and `currentKeyId`. */
export function keyRing(keys: unknown, currentKeyId: unknown): KeyRing {
  if (keys === null || typeof keys !== 'object' || Array.isArray(keys)) {
    throw new OAuthValidationError('keys must be an object of key id → 32-byte key.');
  }
  const ring = new Map<string, Buffer>();
  for (const [id, key] of Object.entries(keys)) {
    if (!KEY_ID.test(id))
      throw new OAuthValidationError(`Key id ${JSON.stringify(id)} must be 1-64 of A-Z a-z 0-9 _ -.`);
    ring.set(id, keyBytes(id, key));
  }
  if (typeof currentKeyId !== 'string' || !ring.has(currentKeyId)) {
    throw new OAuthValidationError('currentKeyId must be one of the ids in keys.');
  }
  return ring;
}

/** The grant key and key id are authenticated with the ciphertext: a value moved to another grant does not open. */
function additionalData(keyId: string, grantKey: string): Buffer {
  return Buffer.from(`hellosign-oauth:v1:${keyId}:${grantKey}`, 'utf8');
}

/** Encrypts `tokens` for `grantKey` under `keyId` into the stored form. */
export function seal(ring: KeyRing, keyId: string, grantKey: string, tokens: TokenSetJSON): TokenSetJSON {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', ring.get(keyId) as Buffer, iv);
  cipher.setAAD(additionalData(keyId, grantKey));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(tokens), 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    accessToken: `${PREFIX}${keyId}.${iv.toString('base64url')}.${sealed.toString('base64url')}`,
    tokenType: ENVELOPE_TOKEN_TYPE,
  };
}

/** The key id an envelope was sealed under, or undefined when `stored` is not an envelope. */
export function envelopeKeyId(stored: TokenSetJSON): string | undefined {
  if (stored.tokenType !== ENVELOPE_TOKEN_TYPE || typeof stored.accessToken !== 'string') return undefined;
  if (!stored.accessToken.startsWith(PREFIX)) return undefined;
  return stored.accessToken.slice(PREFIX.length).split('.')[0];
}

/** Decrypts a stored envelope; every way it can fail is an `EncryptedStoreError`. */
export function open(ring: KeyRing, grantKey: string, stored: TokenSetJSON): TokenSetJSON {
  const keyId = envelopeKeyId(stored);
  const parts = keyId === undefined ? [] : stored.accessToken.slice(PREFIX.length).split('.');
  if (keyId === undefined || parts.length !== 3) {
    throw new EncryptedStoreError(
      `The value stored under key ${JSON.stringify(grantKey)} is not encrypted. If it predates encryption, read it once with readPlaintext: true and rotate().`,
      'OAUTH_NOT_ENCRYPTED',
      grantKey,
    );
  }
  const key = ring.get(keyId);
  if (!key) {
    throw new EncryptedStoreError(
      `The grant under key ${JSON.stringify(grantKey)} is encrypted with key id ${JSON.stringify(keyId)}, which is not in keys. Add that key (old keys stay until rotate() has re-encrypted everything).`,
      'OAUTH_ENCRYPTION_KEY_MISSING',
      grantKey,
      keyId,
    );
  }
  const iv = Buffer.from(parts[1], 'base64url');
  const sealed = Buffer.from(parts[2], 'base64url');
  try {
    if (iv.length !== IV_BYTES || sealed.length < TAG_BYTES) throw new Error('truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(additionalData(keyId, grantKey));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as TokenSetJSON;
  } catch {
    throw new EncryptedStoreError(
      `The grant under key ${JSON.stringify(grantKey)} does not decrypt with key id ${JSON.stringify(keyId)}: a different key under that id, a value altered in the store, or one copied from another grant.`,
      'OAUTH_DECRYPTION_FAILED',
      grantKey,
      keyId,
    );
  }
}
