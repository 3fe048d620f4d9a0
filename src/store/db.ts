import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, type MigrationResultSet, Migrator, sql } from 'kysely';
import pg from 'pg';
import { migrations } from './migrations';
import { pglitePool } from './pglite-pool';
import { ScopedPostgresDialect } from './scoped-introspector';
import type { Database } from './tables';

export type Db = Kysely<Database>;

export interface DbOptions {
  /** PostgreSQL via `pg` when set; embedded PGlite otherwise. */
  databaseUrl?: string;
  /** PGlite's directory; omitted means in memory. */
  dataDir?: string;
  /** PostgreSQL schema to use (tests isolate themselves in one each). */
  schema?: string;
  poolSize?: number;
  /** PGlite: start from this dump (`dumpDataDir`) instead of an empty cluster; skips its initdb. */
  loadDataDir?: Blob;
}

export interface Store {
  db: Db;
  driver: 'postgres' | 'pglite';
  /** The PostgreSQL schema the store lives in, when not the default. */
  schema?: string;
  close(): Promise<void>;
  /** PGlite only: the whole cluster as a tarball, to start another store from. */
  dumpDataDir?(): Promise<Blob>;
}

const INT8 = 20;

export async function openStore(opts: DbOptions): Promise<Store> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
      // bigserial ids and counts stay well inside 2^53; read them as numbers on both drivers.
      types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === INT8 ? Number : pg.types.getTypeParser(oid, format)) } as pg.CustomTypesConfig,
    });
    if (opts.schema) {
      const c = await pool.connect();
      try {
        await c.query(`CREATE SCHEMA IF NOT EXISTS "${opts.schema.replace(/"/g, '')}"`);
      } finally {
        c.release();
      }
    }
    const db = new Kysely<Database>({ dialect: new ScopedPostgresDialect({ pool }, opts.schema) });
    return { db, driver: 'postgres', ...(opts.schema ? { schema: opts.schema } : {}), close: () => db.destroy() };
  }
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const lite = await PGlite.create(opts.dataDir, { parsers: { [INT8]: Number }, ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}) });
  const db = new Kysely<Database>({ dialect: new ScopedPostgresDialect({ pool: pglitePool(lite) }) });
  return { db, driver: 'pglite', close: () => db.destroy(), dumpDataDir: async () => (await lite.dumpDataDir('none')) as Blob };
}

export async function migrate(store: Pick<Store, 'db' | 'schema'>): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrations },
    // Without it the migrator may find another schema's bookkeeping tables and skip creating its own.
    ...(store.schema ? { migrationTableSchema: store.schema } : {}),
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}

export async function ping(db: Kysely<any>): Promise<void> {
  await sql`select 1`.execute(db);
}
