import type { Kysely } from 'kysely';

/**
 * Contacts erased at the CRM's request (GDPR deletion): their ids only, no personal data. HubSpot may
 * redeliver an earlier batch for up to a day after the deletion; the ledger refuses events for an id kept
 * here, so an erased person is never recorded again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('erased_contacts')
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('erased_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('erased_contacts_pkey', ['tenant_id', 'object_type', 'contact_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('erased_contacts').execute();
}
