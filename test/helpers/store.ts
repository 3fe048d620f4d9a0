import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { migrate, openStore, type Store } from '../../src/store/db';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const drivers = ['pglite', 'postgres'] as const;
export type Driver = (typeof drivers)[number];

/**
 * A migrated store isolated to one test: an in-memory PGlite, or a fresh PostgreSQL schema that is
 * dropped on close. Integration suites run once per driver with `describe.each(drivers)`.
 */
export async function testStore(driver: Driver): Promise<Store> {
  if (driver === 'pglite') {
    const store = await openStore({});
    await migrate(store);
    return store;
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema, poolSize: 4 });
  await migrate(store);
  return {
    ...store,
    async close() {
      await sql.raw(`DROP SCHEMA "${schema}" CASCADE`).execute(store.db);
      await store.close();
    },
  };
}
