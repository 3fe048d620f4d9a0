import type { Kysely } from 'kysely';

/**
 * History for the results charts: `contact_state` holds only the latest result, so each change of a
 * contact's stage or track is kept as one row, and a rep task's completion gets a place on its outbox row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('transitions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    // The recompute's clock, not the event's: when Kindling decided it.
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('from_stage', 'text')
    .addColumn('to_stage', 'text', (c) => c.notNull())
    .addColumn('from_track', 'text')
    .addColumn('to_track', 'text', (c) => c.notNull())
    .addColumn('cause', 'text')
    .execute();
  await db.schema.createIndex('transitions_by_time').on('transitions').columns(['tenant_id', 'at']).execute();

  // Filled when Kindling learns that the rep completed a task it created (kind `create_task`); null until then.
  await db.schema.alterTable('outbox').addColumn('completed_at', 'timestamptz').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('outbox').dropColumn('completed_at').execute();
  await db.schema.dropTable('transitions').ifExists().execute();
}
