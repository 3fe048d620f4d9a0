import type { Kysely } from 'kysely';

/**
 * A contact whose recompute keeps failing for a reason that retrying will not fix (the CRM refuses its
 * profile, a bug on its data) is counted, so that after a few failures in a row it is dead-lettered
 * instead of being swept again every tick, forever.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('contact_state')
    // Failures in a row that were not transient; a successful recompute resets it.
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contact_state').dropColumn('last_error').dropColumn('failures').execute();
}
