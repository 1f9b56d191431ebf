import { MemoryTokenStore, type TokenSetJSON, type TokenStore } from '../../src/index.js';
import { StoreConformanceError, storeConformanceChecks } from '../../src/testing/index.js';

describe('MemoryTokenStore passes the TokenStore conformance kit', () => {
  const checks = storeConformanceChecks(() => new MemoryTokenStore(), { requires: ['compareAndSet'] });
  for (const check of checks) test(check.name, check.run);
});

/** A map-backed store whose parts can be broken one at a time, to prove each check catches its defect. */
class StoreUnderTest implements TokenStore {
  readonly entries: Map<string, string>;
  constructor(entries = new Map<string, string>()) {
    this.entries = entries;
  }
  async get(key: string) {
    const raw = this.entries.get(key);
    return raw === undefined ? undefined : (JSON.parse(raw) as TokenSetJSON);
  }
  async set(key: string, tokens: TokenSetJSON) {
    this.entries.set(key, JSON.stringify(tokens));
  }
  async delete(key: string) {
    this.entries.delete(key);
  }
}

/** Runs the check named `name` and returns how it failed (undefined when it passed). */
async function failureOf(
  name: string,
  factory: () => TokenStore,
  options: Parameters<typeof storeConformanceChecks>[1] = {},
): Promise<unknown> {
  const check = storeConformanceChecks(factory, options).find((candidate) => candidate.name.startsWith(name));
  if (!check) throw new Error(`no check named ${name}`);
  return check.run().then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('the conformance kit catches broken stores', () => {
  test('returns plain named async checks, usable from any test runner', () => {
    const checks = storeConformanceChecks(() => new MemoryTokenStore());
    expect(checks.length).toBeGreaterThan(15);
    for (const check of checks) {
      expect(check.name).toMatch(/^(get|set|delete|keys|compareAndSet|runExclusive) › /);
      expect(typeof check.run).toBe('function');
    }
  });

  test('a store that drops the refresh token on set fails the round trip', async () => {
    class Lossy extends StoreUnderTest {
      override async set(key: string, tokens: TokenSetJSON) {
        const { refreshToken: _, ...rest } = tokens;
        await super.set(key, rest);
      }
    }
    const error = await failureOf('set › stores every field', () => new Lossy());
    expect(error).toBeInstanceOf(StoreConformanceError);
    expect(String(error)).toMatch(/get after set: expected .*conformance-refresh-1.*got/);
  });

  test('a store whose instances do not share writes fails the cross-instance check when declared shared', async () => {
    const error = await failureOf('set › resolves only once every store instance', () => new StoreUnderTest(), {
      shared: true,
    });
    expect(error).toBeInstanceOf(StoreConformanceError);
  });

  test('a compareAndSet that compares the expiry too fails "compares the tokens only"', async () => {
    class Strict extends StoreUnderTest {
      async compareAndSet(key: string, expected: TokenSetJSON, next: TokenSetJSON) {
        if (this.entries.get(key) !== JSON.stringify(expected)) return false;
        await this.set(key, next);
        return true;
      }
    }
    const error = await failureOf('compareAndSet › compares the tokens only', () => new Strict());
    expect(error).toBeInstanceOf(StoreConformanceError);
  });

  test('a compareAndSet that is not atomic lets several racing writers win, and the race check says so', async () => {
    const shared = new Map<string, string>();
    class Racy extends StoreUnderTest {
      async compareAndSet(key: string, expected: TokenSetJSON, next: TokenSetJSON) {
        const stored = await this.get(key);
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (stored?.accessToken !== expected.accessToken) return false;
        await this.set(key, next);
        return true;
      }
    }
    const error = await failureOf('compareAndSet › of 8 concurrent writers', () => new Racy(shared), { shared: true });
    expect(String(error)).toMatch(/8 of 8 concurrent compareAndSets returned true, expected 1/);
  });

  test('a runExclusive that does not lock fails the exclusivity check', async () => {
    class Unlocked extends StoreUnderTest {
      async runExclusive<T>(_key: string, task: () => Promise<T>) {
        return task();
      }
    }
    const error = await failureOf('runExclusive › never runs two tasks', () => new Unlocked());
    expect(String(error)).toMatch(/5 tasks for one key ran at the same time/);
  });

  test('a runExclusive that keeps the lock after a failed task fails the release check', async () => {
    class Sticky extends StoreUnderTest {
      held = false;
      async runExclusive<T>(_key: string, task: () => Promise<T>) {
        if (this.held) throw new Error('lock still held');
        this.held = true;
        const result = await task();
        this.held = false;
        return result;
      }
    }
    const error = await failureOf('runExclusive › rejects with the task', () => new Sticky());
    expect(error).toBeInstanceOf(StoreConformanceError);
  });

  test('a runExclusive that fails for a second key fails the per-key check without leaving its 5 s timer behind', async () => {
    class FailsForB extends StoreUnderTest {
      async runExclusive<T>(key: string, task: () => Promise<T>) {
        if (key.includes(':b ')) throw new Error('lock service down');
        return task();
      }
    }
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const error = await failureOf('runExclusive › locks keys separately', () => new FailsForB());
    expect(String(error)).toMatch(/lock service down/);
    expect(timers()).toBe(before);
  });

  test('an optional part the run requires is a failure when absent, and fine when not required', async () => {
    const required = await failureOf('compareAndSet › writes next', () => new StoreUnderTest(), {
      requires: ['compareAndSet'],
    });
    expect(String(required)).toMatch(/has no compareAndSet, which this run requires/);
    expect(await failureOf('compareAndSet › writes next', () => new StoreUnderTest())).toBeUndefined();
  });

  test('an optional part that is neither a function nor undefined fails', async () => {
    const error = await failureOf('runExclusive › is a function', () =>
      Object.assign(new StoreUnderTest(), { runExclusive: null as unknown as undefined }),
    );
    expect(String(error)).toMatch(/store.runExclusive is object/);
  });

  test('dispose runs for every store a check made, also when the check fails', async () => {
    const disposed: StoreUnderTest[] = [];
    await failureOf('set › resolves only once every store instance', () => new StoreUnderTest(), {
      shared: true,
      dispose: (store) => {
        disposed.push(store as StoreUnderTest);
      },
    });
    expect(disposed).toHaveLength(2);
  });
});
