import { types } from 'node:util';
import { scrubbedPrefix } from './text.js';

/** How many causes deep a copy goes: a cause chain may be a cycle. */
const MAX_DEPTH = 5;
/** The most characters a copied name, code or message keeps. */
const MAX_FIELD_LENGTH = 1024;

/** `instanceof Error` fails for errors from another realm (undici's inside a vm, as under jest). */
function isError(value: unknown): value is Error {
  try {
    return value instanceof Error || types.isNativeError(value);
  } catch {
    // A Proxy whose getPrototypeOf trap throws.
    return false;
  }
}

/** A property of a foreign object, or undefined when reading it throws (a getter, a Proxy). */
function read(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** A foreign string field, scrubbed and bounded; anything else becomes `fallback` (no `toString` is called). */
function clean(value: unknown, secrets: readonly (string | undefined)[], fallback: string): string {
  if (typeof value !== 'string') return fallback;
  return scrubbedPrefix(value, secrets, MAX_FIELD_LENGTH, '…');
}

/** What a thrown non-Error says: a primitive's text, never an object's (its `toString` is foreign code). */
function describeThrown(value: unknown): string {
  if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
    return `A non-Error value was thrown (${typeof value}).`;
  }
  return typeof value === 'symbol' ? (value.description ?? '') : String(value);
}

function copy(error: unknown, secrets: readonly (string | undefined)[], depth: number): Error {
  if (!isError(error)) return new Error(clean(describeThrown(error), secrets, ''));
  const nested = depth < MAX_DEPTH ? read(error, 'cause') : undefined;
  const out = new Error(
    clean(read(error, 'message'), secrets, ''),
    isError(nested) ? { cause: copy(nested, secrets, depth + 1) } : undefined,
  );
  out.name = clean(read(error, 'name'), secrets, 'Error');
  const code = read(error, 'code');
  if (typeof code === 'string') (out as Error & { code?: string }).code = clean(code, secrets, '');
  out.stack = `${out.name}: ${out.message}`;
  return out;
}

/**
 * Copies what helps diagnose a network failure (name, code, message, the chain of causes) and
 * nothing else: every string is scrubbed of `secrets` and bounded, whatever property it sat in,
 * and no foreign getter or `toString` can throw out of the copy.
 */
export function sanitizedCause(error: unknown, secrets: readonly (string | undefined)[]): Error {
  return copy(error, secrets, 0);
}
