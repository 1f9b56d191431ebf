/** @requires postgresql */
import { randomUUID } from 'node:crypto';
import { PostgresTokenStore } from '../../src/postgres/index.js';
import { storeConformanceChecks } from '../../src/testing/index.js';
import { startPostgres, type TestPostgres } from './support.js';

let postgres: TestPostgres;
const table = `conformance_${randomUUID().replaceAll('-', '')}`;

beforeAll(async () => {
  postgres = await startPostgres();
  const store = new PostgresTokenStore({ connectionString: postgres.url, table });
  await store.ensureSchema();
  await store.close();
}, 120_000);

afterAll(async () => {
  await postgres?.destroy();
});

describe('PostgresTokenStore passes the TokenStore conformance kit', () => {
  const checks = storeConformanceChecks(() => new PostgresTokenStore({ connectionString: postgres.url, table }), {
    shared: true,
    requires: ['compareAndSet', 'runExclusive'],
    dispose: (store) => store.close(),
  });
  for (const check of checks) test(check.name, check.run);
});
