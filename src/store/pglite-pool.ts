import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

/**
 * Presents one embedded PGlite database as the `pg`-style pool Kysely's PostgresDialect expects, so one
 * query layer serves both drivers. PGlite is a single connection: the pool hands it out to one holder at
 * a time, so a transaction never interleaves with another caller's statements.
 */
export function pglitePool(pg: PGlite): PostgresPool {
  let tail: Promise<void> = Promise.resolve();

  const client = (release: () => void): PostgresPoolClient => ({
    // Kysely never streams here, so only the (sql, parameters) overload is implemented.
    query: (async (sql: string, parameters: readonly unknown[]) => {
      const result = await pg.query(sql, parameters.map(toPgliteParam));
      return {
        command: commandOf(sql),
        rowCount: result.affectedRows ?? result.rows.length,
        rows: result.rows as never[],
      };
    }) as unknown as PostgresPoolClient['query'],
    release,
  });

  return {
    async connect() {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const previous = tail;
      tail = previous.then(() => held);
      await previous;
      return client(release);
    },
    async end() {
      await tail;
      await pg.close();
    },
  } as PostgresPool;
}

/**
 * PGlite recognises dates with `instanceof Date`, which fails for a Date made in another realm (a jest
 * sandbox, a worker thread): pass them as ISO strings, which PostgreSQL parses the same way.
 */
function toPgliteParam(value: unknown): unknown {
  if (value instanceof Date || Object.prototype.toString.call(value) === '[object Date]') {
    return (value as Date).toISOString();
  }
  return value;
}

/** Kysely reads affected-row counts only for these commands, as `pg` reports them. */
function commandOf(sql: string): 'INSERT' | 'UPDATE' | 'DELETE' | 'MERGE' | 'SELECT' {
  const m = /\b(insert|update|delete|merge)\b/i.exec(sql.replace(/^\s*with\b[\s\S]*?\)\s*(?=insert|update|delete|merge|select)/i, ''));
  const first = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase();
  if (first === 'SELECT') return 'SELECT';
  return (m?.[1]?.toUpperCase() as 'INSERT' | 'UPDATE' | 'DELETE' | 'MERGE' | undefined) ?? 'SELECT';
}
