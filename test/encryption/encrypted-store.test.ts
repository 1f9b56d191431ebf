import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { EncryptedStoreError, encryptedStore } from '../../src/encryption/index.js';
import { MemoryTokenStore, OAuthValidationError, type TokenSetJSON, type TokenStore } from '../../src/index.js';
import { storeConformanceChecks } from '../../src/testing/index.js';

const KEY_1 = randomBytes(32);
const KEY_2 = randomBytes(32).toString('base64');

function tokens(n: number): TokenSetJSON {
  return {
    accessToken: `secret-access-token-${n}`,
    refreshToken: `secret-refresh-token-${n}`,
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: '2030-01-01T00:00:00.000Z',
  };
}

/** What the wrapped store holds for `key`, as text: what a database dump would show. */
function raw(inner: MemoryTokenStore, key: string): string {
  return JSON.stringify(inner.peek(key));
}

describe('encryptedStore over a MemoryTokenStore passes the TokenStore conformance kit', () => {
  const checks = storeConformanceChecks(
    () => encryptedStore(new MemoryTokenStore(), { keys: { k1: KEY_1 }, currentKeyId: 'k1' }),
    { requires: ['compareAndSet'] },
  );
  for (const check of checks) test(check.name, check.run);
});

describe('encryptedStore', () => {
  test('round-trips a grant while the store underneath holds neither token', async () => {
    const inner = new MemoryTokenStore();
    const store = encryptedStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' });
    await store.set('user-1', tokens(1));
    expect(await store.get('user-1')).toEqual(tokens(1));
    expect(raw(inner, 'user-1')).not.toContain('secret-');
    expect(raw(inner, 'user-1')).toContain('hso-enc.v1.k1.');
  });

  test('encrypts the same tokens differently on every write (a random IV each time)', async () => {
    const inner = new MemoryTokenStore();
    const store = encryptedStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' });
    await store.set('user-1', tokens(1));
    const first = raw(inner, 'user-1');
    await store.set('user-1', tokens(1));
    expect(raw(inner, 'user-1')).not.toBe(first);
  });

  test('a value copied under another grant key does not decrypt: the grant key is authenticated', async () => {
    const inner = new MemoryTokenStore();
    const store = encryptedStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' });
    await store.set('user-1', tokens(1));
    await inner.set('user-2', inner.peek('user-1') as TokenSetJSON);
    const error = await store.get('user-2').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EncryptedStoreError);
    expect(error).toMatchObject({ code: 'OAUTH_DECRYPTION_FAILED', key: 'user-2', keyId: 'k1' });
  });

  test('a value altered in the store is an error, never other tokens', async () => {
    const inner = new MemoryTokenStore();
    const store = encryptedStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' });
    await store.set('user-1', tokens(1));
    const stored = inner.peek('user-1') as TokenSetJSON;
    const flipped = stored.accessToken.slice(0, -2) + (stored.accessToken.endsWith('A') ? 'BB' : 'AA');
    await inner.set('user-1', { ...stored, accessToken: flipped });
    await expect(store.get('user-1')).rejects.toMatchObject({ code: 'OAUTH_DECRYPTION_FAILED' });
  });

  test('rotation: old values stay readable, the next write moves a grant to the current key, rotate() moves the rest', async () => {
    const inner = new MemoryTokenStore();
    const before = encryptedStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' });
    for (const n of [1, 2, 3]) await before.set(`user-${n}`, tokens(n));

    const after = encryptedStore(inner, { keys: { k1: KEY_1, k2: KEY_2 }, currentKeyId: 'k2' });
    expect(await after.get('user-1')).toEqual(tokens(1));
    await after.set('user-1', tokens(11));
    expect(raw(inner, 'user-1')).toContain('hso-enc.v1.k2.');
    expect(raw(inner, 'user-2')).toContain('hso-enc.v1.k1.');

    expect(await after.rotate(['user-1', 'user-2', 'user-3', 'user-gone'])).toEqual({
      rotated: 2,
      current: 1,
      missing: 1,
    });
    const onlyNewKey = encryptedStore(inner, { keys: { k2: KEY_2 }, currentKeyId: 'k2' });
    expect(await onlyNewKey.get('user-1')).toEqual(tokens(11));
    expect(await onlyNewKey.get('user-2')).toEqual(tokens(2));
    expect(await onlyNewKey.get('user-3')).toEqual(tokens(3));
  });

  test('a value under a key id that is not configured names the missing key id', async () => {
    const inner = new MemoryTokenStore();
    await encryptedStore(inner, { keys: { k2: KEY_2 }, currentKeyId: 'k2' }).set('user-1', tokens(1));
    const error = await encryptedStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' })
      .get('user-1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EncryptedStoreError);
    expect(error).toMatchObject({ code: 'OAUTH_ENCRYPTION_KEY_MISSING', keyId: 'k2', key: 'user-1' });
    expect((error as Error).message).toContain('key id "k2"');
  });

  test('a key of the wrong id (another key under the same id) fails to decrypt rather than returning nothing', async () => {
    const inner = new MemoryTokenStore();
    await encryptedStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' }).set('user-1', tokens(1));
    const wrong = encryptedStore(inner, { keys: { k1: randomBytes(32) }, currentKeyId: 'k1' });
    await expect(wrong.get('user-1')).rejects.toMatchObject({ code: 'OAUTH_DECRYPTION_FAILED', keyId: 'k1' });
  });

  test('compareAndSet compares decrypted tokens: it wins after the value was re-encrypted, loses to other tokens', async () => {
    const inner = new MemoryTokenStore();
    const store = encryptedStore(inner, { keys: { k1: KEY_1, k2: KEY_2 }, currentKeyId: 'k2' });
    await encryptedStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' }).set('user-1', tokens(1));
    await store.rotate(['user-1']);
    expect(await store.compareAndSet?.('user-1', tokens(1), tokens(2))).toBe(true);
    expect(await store.compareAndSet?.('user-1', tokens(1), tokens(3))).toBe(false);
    expect(await store.get('user-1')).toEqual(tokens(2));
  });

  test('a plaintext value from before encryption is refused, or read and encrypted on its next write with readPlaintext', async () => {
    const inner = new MemoryTokenStore();
    await inner.set('user-1', tokens(1));
    const strict = encryptedStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' });
    await expect(strict.get('user-1')).rejects.toMatchObject({ code: 'OAUTH_NOT_ENCRYPTED' });

    const migrating = encryptedStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1', readPlaintext: true });
    expect(await migrating.get('user-1')).toEqual(tokens(1));
    expect(await migrating.rotate(['user-1'])).toEqual({ rotated: 1, current: 0, missing: 0 });
    expect(raw(inner, 'user-1')).not.toContain('secret-');
    expect(await strict.get('user-1')).toEqual(tokens(1));
  });

  test('offers compareAndSet and runExclusive only when the wrapped store has them', async () => {
    const bare: TokenStore = { get: async () => undefined, set: async () => {}, delete: async () => {} };
    const store = encryptedStore(bare, { keys: { k1: KEY_1 }, currentKeyId: 'k1' });
    expect(store.compareAndSet).toBeUndefined();
    expect(store.runExclusive).toBeUndefined();
    expect(
      typeof encryptedStore(new MemoryTokenStore(), { keys: { k1: KEY_1 }, currentKeyId: 'k1' }).compareAndSet,
    ).toBe('function');
  });

  test('rotate() on a store with a refresh lock but no compareAndSet never overwrites a refresh that lands meanwhile', async () => {
    const inner = new MemoryTokenStore();
    const before = encryptedStore(inner, { keys: { k1: KEY_1 }, currentKeyId: 'k1' });
    await before.set('user-1', tokens(1));
    // A store that several processes share through a lock alone, as TokenManager allows.
    let lock: Promise<unknown> = Promise.resolve();
    let refresh: Promise<unknown> | undefined;
    const locking: TokenStore = {
      get: async (key) => {
        const value = inner.peek(key);
        if (refresh === undefined) {
          // Another process refreshes the grant under the lock, right after rotate() read it.
          refresh = after.runExclusive?.('user-1', () => after.set('user-1', tokens(2)));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return value;
      },
      set: (key, value) => inner.set(key, value),
      delete: (key) => inner.delete(key),
      runExclusive: <T>(_key: string, task: () => Promise<T>): Promise<T> => {
        const run = lock.then(task);
        lock = run.catch(() => undefined);
        return run;
      },
    };
    const after = encryptedStore(locking, { keys: { k1: KEY_1, k2: KEY_2 }, currentKeyId: 'k2' });
    await after.rotate(['user-1']);
    await refresh;
    expect(await after.get('user-1')).toEqual(tokens(2));
  });

  test('a stored string that is not token JSON is a typed error that does not quote it', async () => {
    const values = ['secret-access-token-9 stored bare', 'null', '42'];
    const bare: TokenStore = {
      // Typed as objects, but JSON text is what a store over a string database may hand back.
      get: async () => values.shift() as unknown as TokenSetJSON,
      set: async () => {},
      delete: async () => {},
    };
    const store = encryptedStore(bare, { keys: { k1: KEY_1 }, currentKeyId: 'k1', readPlaintext: true });
    for (let n = 0; n < 3; n++) {
      const error = await store.get('user-1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EncryptedStoreError);
      expect(error).toMatchObject({ code: 'OAUTH_NOT_ENCRYPTED', key: 'user-1' });
      expect(inspect(error)).not.toContain('secret');
    }
  });

  test('rotate() without keys on a store that cannot list them is a validation error', async () => {
    const store = encryptedStore(new MemoryTokenStore(), { keys: { k1: KEY_1 }, currentKeyId: 'k1' });
    await expect(store.rotate()).rejects.toBeInstanceOf(OAuthValidationError);
  });

  test.each([
    ['a short key', { k1: randomBytes(16) }, 'k1', /keys\["k1"\] must be 32 bytes/],
    ['a key that is not base64', { k1: 'not base64!' }, 'k1', /keys\["k1"\] must be 32 bytes/],
    ['a current key id not in keys', { k1: KEY_1 }, 'k9', /currentKeyId must be one of the ids in keys/],
    ['a key id with a dot', { 'k.1': KEY_1 }, 'k.1', /Key id "k.1" must be/],
  ])('bad configuration is an OAuthValidationError: %s', (_, keys, currentKeyId, message) => {
    expect(() => encryptedStore(new MemoryTokenStore(), { keys, currentKeyId })).toThrow(OAuthValidationError);
    expect(() => encryptedStore(new MemoryTokenStore(), { keys, currentKeyId })).toThrow(message);
  });

  test('neither errors nor util.inspect show key material', async () => {
    const shortKey = randomBytes(31).toString('base64');
    const error = (() => {
      try {
        encryptedStore(new MemoryTokenStore(), { keys: { k1: shortKey }, currentKeyId: 'k1' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).not.toContain(shortKey);
    const store = encryptedStore(new MemoryTokenStore(), { keys: { k2: KEY_2 }, currentKeyId: 'k2' });
    const shown = inspect(store, { depth: 10, showHidden: true });
    expect(shown).not.toContain(KEY_2);
    // util.inspect prints a Buffer as `<Buffer 3f a1 …>`.
    const bytes = Buffer.from(KEY_2, 'base64').subarray(0, 8).toString('hex').match(/../g)?.join(' ');
    expect(shown).not.toContain(bytes);
  });
});
