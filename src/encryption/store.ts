import { OAuthValidationError } from '../client/errors.js';
import type { TokenSetJSON } from '../client/tokens.js';
import { sameTokens, type TokenStore } from '../session/store.js';
import { envelopeKeyId, type KeyRing, keyRing, open, seal } from './envelope.js';
import { EncryptedStoreError } from './errors.js';

/** Options of `encryptedStore(store, options)`. */
export interface EncryptedStoreOptions {
  /**
   * AES-256 keys by id: each a 32-byte `Uint8Array` or a base64 string (`openssl rand -base64 32`).
   * Keep old keys here until `rotate()` has re-encrypted every grant under the current one.
   */
  keys: Readonly<Record<string, Uint8Array | string>>;
  /** The id in `keys` that every write encrypts under. */
  currentKeyId: string;
  /**
   * Reads values stored before encryption was turned on as they are (they are encrypted on their
   * next write, or by `rotate()`), instead of failing with `OAUTH_NOT_ENCRYPTED`. Default `false`.
   */
  readPlaintext?: boolean;
}

/** What `rotate()` did. */
export interface RotationReport {
  /** Grants re-encrypted under the current key. */
  rotated: number;
  /** Grants already under the current key, left as they were. */
  current: number;
  /** Keys that held no grant (deleted meanwhile, or never written). */
  missing: number;
}

/** A store that lists its grant keys (as `PostgresTokenStore.keys()` does), so `rotate()` needs no list. */
interface ListsKeys {
  keys(): AsyncIterable<string>;
}

/** A `TokenStore` that encrypts every grant before the store underneath sees it. */
export interface EncryptedTokenStore extends TokenStore {
  /** The key id new writes use. */
  readonly currentKeyId: string;
  /**
   * Re-encrypts grants under the current key: each given grant key, or, when none are given,
   * every key of a store that lists them (`PostgresTokenStore`). For Redis, pass the keys (see
   * docs/stores.md). Uses the store's compare-and-set when it has one (else its refresh lock,
   * when it has one), so a concurrent refresh is never overwritten. Fails with `EncryptedStoreError` on a value no key opens.
   */
  rotate(grantKeys?: Iterable<string> | AsyncIterable<string>): Promise<RotationReport>;
}

/** A store may return JSON text or `null`; TokenManager accepts both, and so does this wrapper. */
function parse(raw: unknown, key: string): TokenSetJSON | undefined {
  if (raw === undefined || raw === null) return undefined;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      // JSON.parse's message quotes the text, which may be a token stored in clear.
      value = undefined;
    }
  }
  if (value === null || typeof value !== 'object') {
    throw new EncryptedStoreError(
      `The value stored under key ${JSON.stringify(key)} is not token JSON, so not an encrypted grant either.`,
      'OAUTH_NOT_ENCRYPTED',
      key,
    );
  }
  return value as TokenSetJSON;
}

/** A compare-and-set that lost to a write of the same tokens (a rotation) is retried this often. */
const CAS_ATTEMPTS = 5;

class EncryptingStore implements EncryptedTokenStore {
  readonly currentKeyId: string;
  readonly #inner: TokenStore;
  readonly #ring: KeyRing;
  readonly #readPlaintext: boolean;

  constructor(inner: TokenStore, options: EncryptedStoreOptions) {
    this.#inner = inner;
    this.#ring = keyRing(options.keys, options.currentKeyId);
    this.currentKeyId = options.currentKeyId;
    this.#readPlaintext = options.readPlaintext === true;
    // Offer only what the store underneath can do atomically: TokenManager adapts to what is there.
    if (!inner.compareAndSet) Object.defineProperty(this, 'compareAndSet', { value: undefined });
    if (!inner.runExclusive) Object.defineProperty(this, 'runExclusive', { value: undefined });
  }

  async get(key: string): Promise<TokenSetJSON | undefined> {
    const stored = parse(await this.#inner.get(key), key);
    return stored === undefined ? undefined : this.#open(key, stored);
  }

  async set(key: string, tokens: TokenSetJSON): Promise<void> {
    await this.#inner.set(key, this.#seal(key, tokens));
  }

  delete(key: string): Promise<void> {
    return this.#inner.delete(key);
  }

  /**
   * Compares decrypted tokens (ciphertext differs on every write), then swaps atomically with the
   * store's own compare-and-set on the exact envelope it read; if that envelope changed meanwhile,
   * it looks again.
   */
  async compareAndSet(key: string, expected: TokenSetJSON, next: TokenSetJSON): Promise<boolean> {
    const inner = this.#inner.compareAndSet?.bind(this.#inner) as NonNullable<TokenStore['compareAndSet']>;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const stored = parse(await this.#inner.get(key), key);
      if (stored === undefined || !sameTokens(this.#open(key, stored), expected)) return false;
      if (await inner(key, stored, this.#seal(key, next))) return true;
    }
    return false;
  }

  runExclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    return (this.#inner.runExclusive as NonNullable<TokenStore['runExclusive']>).call(
      this.#inner,
      key,
      task,
    ) as Promise<T>;
  }

  async rotate(grantKeys?: Iterable<string> | AsyncIterable<string>): Promise<RotationReport> {
    const keys = grantKeys ?? (this.#inner as Partial<ListsKeys>).keys?.call(this.#inner);
    if (!keys) {
      throw new OAuthValidationError('rotate() needs the grant keys: this store cannot list them (pass rotate(keys)).');
    }
    const report: RotationReport = { rotated: 0, current: 0, missing: 0 };
    for await (const key of keys) report[await this.#rotateOne(key)]++;
    return report;
  }

  async #rotateOne(key: string, locked = false): Promise<keyof RotationReport> {
    const exclusive = this.#inner.runExclusive;
    if (!this.#inner.compareAndSet && exclusive && !locked) {
      // Without compare-and-set, only the refresh lock keeps a refresh from landing between the
      // read and the write below, which would put the old tokens back over the new ones.
      return exclusive.call(this.#inner, key, () => this.#rotateOne(key, true)) as Promise<keyof RotationReport>;
    }
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const stored = parse(await this.#inner.get(key), key);
      if (stored === undefined) return 'missing';
      if (envelopeKeyId(stored) === this.currentKeyId) return 'current';
      const resealed = this.#seal(key, this.#open(key, stored));
      if (!this.#inner.compareAndSet) {
        await this.#inner.set(key, resealed);
        return 'rotated';
      }
      // Lost to a concurrent write: read again; that write was most likely under the current key.
      if (await this.#inner.compareAndSet(key, stored, resealed)) return 'rotated';
    }
    throw new OAuthValidationError(
      `rotate() kept losing to concurrent writes of key ${JSON.stringify(key)}; run it again.`,
    );
  }

  #seal(key: string, tokens: TokenSetJSON): TokenSetJSON {
    return seal(this.#ring, this.currentKeyId, key, tokens);
  }

  #open(key: string, stored: TokenSetJSON): TokenSetJSON {
    if (this.#readPlaintext && envelopeKeyId(stored) === undefined) return stored;
    return open(this.#ring, key, stored);
  }
}

/**
 * Wraps any `TokenStore` so that grants are encrypted at rest with AES-256-GCM: a random IV per
 * write, the key id inside the stored value, and the grant key as additional authenticated data
 * (a value copied under another grant's key does not decrypt). Reads accept every key in `keys`;
 * writes use `currentKeyId`, so a grant moves to a new key on its next write, or on `rotate()`.
 *
 * `compareAndSet` and `runExclusive` are offered when the wrapped store has them, and keep their
 * guarantees: compare-and-set compares decrypted tokens, then swaps the exact value it read.
 */
export function encryptedStore(store: TokenStore, options: EncryptedStoreOptions): EncryptedTokenStore {
  if (
    store === null ||
    typeof store !== 'object' ||
    typeof store.get !== 'function' ||
    typeof store.set !== 'function'
  ) {
    throw new OAuthValidationError('encryptedStore needs a TokenStore to wrap.');
  }
  if (options === null || typeof options !== 'object') {
    throw new OAuthValidationError('encryptedStore needs { keys, currentKeyId }.');
  }
  return new EncryptingStore(store, options);
}
