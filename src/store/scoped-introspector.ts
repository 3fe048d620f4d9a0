import { type DatabaseIntrospector, type DatabaseMetadata, type Kysely, PostgresDialect, type PostgresDialectConfig, type SchemaMetadata, sql, type TableMetadata } from 'kysely';

/**
 * Kysely's PostgreSQL introspector lists every column of every table in the database, calling
 * `pg_get_serial_sequence` on each: slow on a large database, and it fails with "schema does not exist"
 * when another session drops a schema meanwhile (tests do, one schema each). The migrator only asks which
 * schemas and tables exist, so this answers that for Kindling's own schema, from the catalogs alone.
 */
class ScopedIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>, private readonly schema: string | undefined) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace`.execute(this.db);
    return rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${this.schema ?? sql`current_schema()`} and c.relkind in ('r', 'p', 'v', 'm')`.execute(this.db);
    return rows.map((r) => ({ name: r.name, schema: r.schema, isView: r.kind === 'v' || r.kind === 'm', columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

/** PostgreSQL as Kysely speaks it, introspecting only the given schema (default: the current one). */
export class ScopedPostgresDialect extends PostgresDialect {
  constructor(config: PostgresDialectConfig, private readonly schema?: string) {
    super(config);
  }

  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new ScopedIntrospector(db, this.schema);
  }
}
