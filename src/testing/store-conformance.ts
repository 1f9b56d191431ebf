import { OAuthValidationError } from '../client/errors.js';
import type { TokenSetJSON } from '../client/tokens.js';
import type { TokenStore } from '../session/store.js';

/** The optional parts of `TokenStore` a conformance run can insist on. */
export type OptionalStorePart = 'compareAndSet' | 'runExclusive';

/** Options of `storeConformanceChecks`. */
export interface StoreConformanceOptions<S extends TokenStore = TokenStore> {
  /**
   * Called with every store the factory made, once its check is over (pass or fail): close
   * connections here. Each check writes only keys of its own, so you need not clean data.
   */
  dispose?: (store: S) => void | Promise<void>;
  /**
   * `true` when every store the factory returns sees the same data (new connections to one
   * database, as several processes would have). The race checks then spread their callers over
   * several stores instead of one. Default `false` (a `MemoryTokenStore` per call shares nothing).
   */
  shared?: boolean;
  /**
   * Optional parts the store must implement. An absent part listed here fails its checks; an
   * absent part not listed passes them once it is `undefined`, as `TokenManager` requires.
   * Default: none (a store that several processes share should list both).
   */
  requires?: readonly OptionalStorePart[];
}

/** One behaviour of the `TokenStore` contract: register it with your test runner (`test(check.name, check.run)`). */
export interface StoreConformanceCheck {
  /** `<part> › <behaviour>`, e.g. `compareAndSet › returns false and writes nothing when the stored tokens differ`. */
  readonly name: string;
  /** Resolves when the store behaves; rejects with a `StoreConformanceError` saying how it did not. */
  run(): Promise<void>;
}

/** A store broke the `TokenStore` contract; the message says which behaviour and what it saw. */
export class StoreConformanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConformanceError';
  }
}

function fail(message: string): never {
  throw new StoreConformanceError(message);
}

/** The tokens of one issue of a grant, with every field `TokenSetJSON` has. */
function grant(label: string, withRefreshToken = true): TokenSetJSON {
  const tokens: TokenSetJSON = {
    accessToken: `conformance-access-${label}`,
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: '2031-02-03T04:05:06.000Z',
    state: null,
  };
  if (withRefreshToken) tokens.refreshToken = `conformance-refresh-${label}`;
  return tokens;
}

/** JSON equality with absent, `undefined` and (for the whole value) `null` alike, as JSON stores see them. */
function canonical(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return JSON.stringify(value, (_, field) => {
    if (field === null || typeof field !== 'object' || Array.isArray(field)) return field;
    return Object.fromEntries(
      Object.keys(field)
        .sort()
        .map((name) => [name, (field as Record<string, unknown>)[name]]),
    );
  });
}

function describeValue(value: unknown): string {
  return canonical(value) ?? String(value);
}

function expectStored(actual: unknown, expected: TokenSetJSON | undefined, context: string): void {
  // A store may hand back the JSON as a string; TokenManager accepts both.
  const parsed = typeof actual === 'string' ? JSON.parse(actual) : actual;
  if (canonical(parsed) !== canonical(expected)) {
    fail(`${context}: expected ${describeValue(expected)}, got ${describeValue(parsed)}.`);
  }
}

function expectBoolean(actual: unknown, expected: boolean, context: string): void {
  if (actual !== expected) fail(`${context}: expected ${expected}, got ${String(actual)}.`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Keys no other check, run or process uses, with characters a naive store might mangle. */
function keyMaker(): (name: string) => string {
  const run = globalThis.crypto.randomUUID();
  return (name) => `conformance:${run}:${name} ü/ä.%`;
}

interface Context<S extends TokenStore> {
  /** The check's first store. */
  store: S;
  /** Several stores for races: distinct ones when `shared`, else `store` again. */
  stores(count: number): Promise<S[]>;
  key(name: string): string;
}

type Body<S extends TokenStore> = (context: Context<S>) => Promise<void>;

interface Definition<S extends TokenStore> {
  name: string;
  part?: OptionalStorePart;
  body: Body<S>;
}

function coreChecks<S extends TokenStore>(): Definition<S>[] {
  return [
    {
      name: 'get › resolves undefined (or null) for a key never written',
      body: async ({ store, key }) => expectStored(await store.get(key('never')), undefined, 'get of a new key'),
    },
    {
      name: 'set › stores every field of a grant, read back by get',
      body: async ({ store, key }) => {
        await store.set(key('a'), grant('1'));
        expectStored(await store.get(key('a')), grant('1'), 'get after set');
      },
    },
    {
      name: 'set › stores a grant without a refresh token as one without',
      body: async ({ store, key }) => {
        await store.set(key('a'), grant('1', false));
        expectStored(await store.get(key('a')), grant('1', false), 'get after set without refreshToken');
      },
    },
    {
      name: 'set › replaces the grant stored under the key',
      body: async ({ store, key }) => {
        await store.set(key('a'), grant('1'));
        await store.set(key('a'), grant('2'));
        expectStored(await store.get(key('a')), grant('2'), 'get after a second set');
      },
    },
    {
      name: 'set › resolves only once every store instance reads the new grant',
      body: async ({ stores, key }) => {
        const [writer, reader] = await stores(2);
        await writer.set(key('a'), grant('1'));
        expectStored(await reader.get(key('a')), grant('1'), 'get from another instance right after set');
      },
    },
    {
      name: 'delete › removes the grant, and resolves for a key that holds none',
      body: async ({ store, key }) => {
        await store.set(key('a'), grant('1'));
        await store.delete(key('a'));
        expectStored(await store.get(key('a')), undefined, 'get after delete');
        await store.delete(key('never'));
      },
    },
    {
      name: 'keys › keeps grants under different keys apart',
      body: async ({ store, key }) => {
        await store.set(key('a'), grant('a'));
        await store.set(key('b'), grant('b'));
        await store.delete(key('a'));
        expectStored(await store.get(key('b')), grant('b'), 'get of key b after deleting key a');
        expectStored(await store.get(key('a')), undefined, 'get of the deleted key a');
      },
    },
  ];
}

function compareAndSetChecks<S extends TokenStore>(): Definition<S>[] {
  const part = 'compareAndSet' as const;
  const cas = (store: TokenStore) => (store.compareAndSet as NonNullable<TokenStore['compareAndSet']>).bind(store);
  return [
    {
      name: 'compareAndSet › writes next and returns true when the stored tokens are expected’s',
      part,
      body: async ({ store, key }) => {
        await store.set(key('a'), grant('1'));
        expectBoolean(await cas(store)(key('a'), grant('1'), grant('2')), true, 'compareAndSet on matching tokens');
        expectStored(await store.get(key('a')), grant('2'), 'get after a successful compareAndSet');
      },
    },
    {
      name: 'compareAndSet › returns false and writes nothing when the stored tokens differ',
      part,
      body: async ({ store, key }) => {
        await store.set(key('a'), grant('2'));
        expectBoolean(await cas(store)(key('a'), grant('1'), grant('3')), false, 'compareAndSet on other tokens');
        const otherRefresh = { ...grant('2'), refreshToken: 'conformance-refresh-other' };
        expectBoolean(
          await cas(store)(key('a'), otherRefresh, grant('3')),
          false,
          'compareAndSet, refresh token differs',
        );
        expectStored(await store.get(key('a')), grant('2'), 'get after refused compareAndSets');
      },
    },
    {
      name: 'compareAndSet › returns false and writes nothing for a key with no grant',
      part,
      body: async ({ store, key }) => {
        expectBoolean(await cas(store)(key('a'), grant('1'), grant('2')), false, 'compareAndSet on a missing key');
        expectStored(await store.get(key('a')), undefined, 'get after compareAndSet on a missing key');
      },
    },
    {
      name: 'compareAndSet › compares the tokens only, not expiry or type',
      part,
      body: async ({ store, key }) => {
        await store.set(key('a'), grant('1'));
        const sameTokensOtherExpiry = { ...grant('1'), expiresAt: '2020-01-01T00:00:00.000Z', tokenType: 'bearer' };
        expectBoolean(
          await cas(store)(key('a'), sameTokensOtherExpiry, grant('2')),
          true,
          'compareAndSet with the same tokens but another expiry',
        );
      },
    },
    {
      name: 'compareAndSet › tells a grant without a refresh token from one with',
      part,
      body: async ({ store, key }) => {
        await store.set(key('a'), grant('1'));
        expectBoolean(
          await cas(store)(key('a'), grant('1', false), grant('2')),
          false,
          'expected lacks the refresh token',
        );
        await store.set(key('b'), grant('1', false));
        expectBoolean(
          await cas(store)(key('b'), grant('1'), grant('2')),
          false,
          'stored grant lacks the refresh token',
        );
        expectBoolean(await cas(store)(key('b'), grant('1', false), grant('2')), true, 'both lack the refresh token');
      },
    },
    {
      name: 'compareAndSet › of 8 concurrent writers expecting the same tokens, exactly one wins',
      part,
      body: async ({ store, stores, key }) => {
        await store.set(key('a'), grant('0'));
        const writers = await stores(8);
        const results = await Promise.all(
          writers.map((writer, i) => cas(writer)(key('a'), grant('0'), grant(`winner-${i}`))),
        );
        const winners = results.flatMap((won, i) => (won ? [i] : []));
        if (winners.length !== 1) fail(`${winners.length} of 8 concurrent compareAndSets returned true, expected 1.`);
        expectStored(await store.get(key('a')), grant(`winner-${winners[0]}`), 'get after the race');
      },
    },
  ];
}

function runExclusiveChecks<S extends TokenStore>(): Definition<S>[] {
  const part = 'runExclusive' as const;
  const exclusive = (store: TokenStore) =>
    (store.runExclusive as NonNullable<TokenStore['runExclusive']>).bind(store) as <T>(
      key: string,
      task: () => Promise<T>,
    ) => Promise<T>;
  return [
    {
      name: 'runExclusive › resolves with what the task resolved with',
      part,
      body: async ({ store, key }) => {
        const result = await exclusive(store)(key('a'), async () => ({ answer: 42 }));
        if (result?.answer !== 42)
          fail(`runExclusive resolved with ${describeValue(result)}, expected the task's { answer: 42 }.`);
      },
    },
    {
      name: 'runExclusive › rejects with the task’s own error, and frees the lock',
      part,
      body: async ({ store, key }) => {
        const thrown = new Error('task failed on purpose');
        const caught = await exclusive(store)(key('a'), async () => {
          throw thrown;
        }).then(
          () => fail('runExclusive resolved although its task threw.'),
          (error: unknown) => error,
        );
        if (caught !== thrown) fail(`runExclusive rejected with ${String(caught)}, expected the task's own error.`);
        const after = await exclusive(store)(key('a'), async () => 'ran again').catch((error: unknown) =>
          fail(`A second runExclusive after a failed task rejected (${String(error)}): the lock was not freed.`),
        );
        if (after !== 'ran again') fail('A second runExclusive after a failed task did not run its task.');
      },
    },
    {
      name: 'runExclusive › never runs two tasks for one key at once, and runs every one',
      part,
      body: async ({ stores, key }) => {
        const holders = await stores(5);
        let running = 0;
        let most = 0;
        let ran = 0;
        await Promise.all(
          holders.map((holder) =>
            exclusive(holder)(key('a'), async () => {
              running++;
              most = Math.max(most, running);
              await sleep(25);
              running--;
              ran++;
            }),
          ),
        );
        if (most !== 1) fail(`${most} tasks for one key ran at the same time under runExclusive, expected 1.`);
        if (ran !== holders.length) fail(`${ran} of ${holders.length} tasks ran.`);
      },
    },
    {
      name: 'runExclusive › locks keys separately: one key’s lock does not block another’s',
      part,
      body: async ({ stores, key }) => {
        const [first, second] = await stores(2);
        let release!: () => void;
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        let entered!: () => void;
        const holding = new Promise<void>((resolve) => {
          entered = resolve;
        });
        const outer = exclusive(first)(key('a'), async () => {
          entered();
          await held;
        });
        await holding;
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          const blocked = new Promise<string>((resolve) => {
            timer = setTimeout(() => resolve('blocked'), 5_000);
          });
          const other = exclusive(second)(key('b'), async () => 'other key ran');
          const outcome = await Promise.race([other, blocked]);
          if (outcome !== 'other key ran') fail("runExclusive on key b waited 5 s for key a's lock.");
        } finally {
          // Also when key b's runExclusive rejected: a pending timer would hold the runner open.
          clearTimeout(timer);
          release();
          await outer;
        }
      },
    },
  ];
}

function optionalPartCheck<S extends TokenStore>(part: OptionalStorePart): Definition<S> {
  return {
    name: `${part} › is a function, or absent (undefined) when the store does not offer it`,
    body: async ({ store }) => {
      const value = store[part];
      if (value !== undefined && typeof value !== 'function') {
        fail(`store.${part} is ${typeof value}; TokenManager accepts a function or undefined.`);
      }
    },
  };
}

/**
 * The `TokenStore` contract as a list of checks, for a store you wrote (DynamoDB, Firestore, SQL
 * Server…). Each check calls `factory` for a fresh store (and `options.dispose` afterwards), uses
 * keys of its own, and rejects with a `StoreConformanceError` naming the broken behaviour.
 *
 * The checks are plain async functions, not tied to a test runner: register each one with yours.
 *
 * ```ts
 * for (const check of storeConformanceChecks(() => new MyStore(), { requires: ['compareAndSet', 'runExclusive'] })) {
 *   test(check.name, check.run); // Jest, Vitest (`test`/`it`), node:test (`test` from 'node:test')
 * }
 * ```
 *
 * Covered: get/set/delete, keys kept apart, durability across instances, `compareAndSet` (match,
 * mismatch, missing key, tokens-only comparison, a race of 8 writers) and `runExclusive` (result,
 * error and release, exclusivity, per-key locks). Checks of an optional part the store lacks pass
 * once it is `undefined`, unless `requires` names it.
 */
export function storeConformanceChecks<S extends TokenStore>(
  factory: () => S | Promise<S>,
  options: StoreConformanceOptions<S> = {},
): StoreConformanceCheck[] {
  if (typeof factory !== 'function')
    throw new OAuthValidationError('storeConformanceChecks needs a function that returns a store.');
  const requires = new Set(options.requires ?? []);
  const definitions: Definition<S>[] = [
    ...coreChecks<S>(),
    optionalPartCheck<S>('compareAndSet'),
    ...compareAndSetChecks<S>(),
    optionalPartCheck<S>('runExclusive'),
    ...runExclusiveChecks<S>(),
  ];
  return definitions.map(({ name, part, body }) => ({
    name,
    run: async () => {
      const made: S[] = [];
      const make = async () => {
        const store = await factory();
        if (store === null || typeof store !== 'object') fail(`The factory returned ${String(store)}, not a store.`);
        made.push(store);
        return store;
      };
      try {
        const store = await make();
        if (part !== undefined && store[part] === undefined) {
          if (requires.has(part)) fail(`The store has no ${part}, which this run requires.`);
          return;
        }
        const stores = async (count: number) =>
          options.shared
            ? [store, ...(await Promise.all(Array.from({ length: count - 1 }, make)))]
            : Array(count).fill(store);
        await body({ store, stores, key: keyMaker() });
      } finally {
        for (const store of made) await options.dispose?.(store);
      }
    },
  }));
}
