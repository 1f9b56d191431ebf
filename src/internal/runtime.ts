/**
 * What the core needs from its runtime, through APIs that Node, Bun, Deno and browsers share, so
 * the main entry point runs on each without `node:` imports (see docs/runtimes.md).
 */

/**
 * The key `util.inspect` (Node, Bun, Deno) looks up for a custom rendering. Registered in the
 * global symbol registry, so this is the very symbol `util.inspect.custom` is, with no `node:util`.
 */
const custom: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** Shaped like `node:util`'s `inspect` so a class writes `[inspect.custom]()` either way. */
export const inspect = { custom } as const;

/** `bytes` random bytes from the Web Crypto CSPRNG, base64url-encoded without padding. */
export function randomBase64url(bytes: number): string {
  return base64(crypto.getRandomValues(new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** Shaped like `node:util`'s `types` for the checks the core makes, so a call site reads the same. */
export const types = {
  isNativeError: (value: unknown): value is Error => isNativeError(value),
  isDate: (value: unknown): value is Date => Object.prototype.toString.call(value) === '[object Date]',
};

/**
 * True for an `Error`, also one from another realm (undici's inside a vm, as under jest), where
 * `instanceof` fails. The same test `util.types.isNativeError` makes, without `node:util`.
 */
export function isNativeError(value: unknown): value is Error {
  return Object.prototype.toString.call(value) === '[object Error]';
}

/** Standard base64 of `bytes` (with padding), through `btoa`, which every runtime has. */
export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
