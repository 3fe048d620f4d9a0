import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    const store = await openStore({ loadDataDir: await migratedSnapshot() });
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

const MIGRATIONS_DIR = join(__dirname, '../../src/store/migrations');
let snapshot: Promise<Blob> | undefined;

/**
 * A migrated, empty PGlite cluster as a tarball, made once and kept in the temp dir under a hash of the
 * migrations' source: PGlite's own start (an initdb inside WASM) takes seconds, loading this takes a
 * fraction, and every test still gets a store of its own. A changed migration makes a new snapshot.
 */
function migratedSnapshot(): Promise<Blob> {
  snapshot ??= (async () => {
    const hash = createHash('sha256');
    for (const f of readdirSync(MIGRATIONS_DIR).sort()) hash.update(f).update(readFileSync(join(MIGRATIONS_DIR, f)));
    const file = join(tmpdir(), `kindling-pglite-${hash.digest('hex').slice(0, 16)}.tar`);
    if (existsSync(file)) return new Blob([readFileSync(file)]);
    const fresh = await openStore({});
    await migrate(fresh);
    const dump = await fresh.dumpDataDir!();
    await fresh.close();
    // Written whole, then renamed: a second jest worker never reads half a file.
    const partial = `${file}.${process.pid}.part`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, file);
    return dump;
  })();
  return snapshot;
}
