import { sql } from 'kysely';
import { carryOver } from './merge-contact';
import type { Db } from '../store/db';
import type { Crm } from '../store/tables';
import { findActiveTenants } from '../store/tenants';
import type { ContactRef, InboundItem } from './inbound';

export interface ContactKey {
  tenantId: string;
  objectType: ContactRef['objectType'];
  contactId: string;
}

export type ItemOutcome = 'accepted' | 'duplicate' | 'ignored';

export interface RecordResult {
  counts: Record<ItemOutcome, number>;
  /** Contacts whose recompute is owed; one entry per contact however many events touched it. */
  touched: ContactKey[];
}

/**
 * Records one webhook's items durably, in one transaction: events into the ledger (a redelivered event
 * is a no-op thanks to the unique key), deletions and merges applied, and every touched contact marked
 * dirty. Returns only after commit, so the caller may acknowledge the webhook.
 */
export async function recordInbound(db: Db, crm: Crm, items: InboundItem[]): Promise<RecordResult> {
  const unrecorded: Record<ItemOutcome, number> = { accepted: 0, duplicate: 0, ignored: 0 };
  const tenants = await findActiveTenants(db, crm, [...new Set(items.map((i) => i.accountId))]);

  // Events of one group at one instant share a ledger key: merge them here, because one INSERT cannot
  // update the same row twice.
  const events = new Map<string, { tenantId: string; item: Extract<InboundItem, { kind: 'event' }> }>();
  const controls: Array<{ tenantId: string; item: Exclude<InboundItem, { kind: 'event' | 'ignored' }> }> = [];
  for (const item of items) {
    const tenant = tenants.get(item.accountId);
    if (!tenant || item.kind === 'ignored') {
      unrecorded.ignored++;
      continue;
    }
    if (item.kind !== 'event') {
      controls.push({ tenantId: tenant.id, item });
      continue;
    }
    const key = `${tenant.id}|${item.event.source}|${item.event.sourceEventId}`;
    const seen = events.get(key);
    if (seen) {
      seen.item.event.attrs = { ...seen.item.event.attrs, ...item.event.attrs };
      unrecorded.duplicate++;
    } else {
      events.set(key, { tenantId: tenant.id, item: structuredClone(item) });
    }
  }

  // Counts and touched contacts are made afresh by each attempt: a retried transaction counts once.
  return withDeadlockRetry(() => db.transaction().execute(async (trx) => {
    const counts = { ...unrecorded };
    const touched = new Map<string, ContactKey>();
    const keyOf = (tenantId: string, c: ContactRef) => `${tenantId}.${c.objectType}.${c.id}`;
    const touch = (tenantId: string, c: ContactRef) => touched.set(keyOf(tenantId, c), { tenantId, objectType: c.objectType, contactId: c.id });

    // Nothing more is recorded about a contact erased at the CRM's request (a batch redelivered from before
    // the deletion): read inside the transaction, so an erasure another webhook just committed counts too.
    const erased = await erasedAmong(trx, [
      ...[...events.values()].map(({ tenantId, item }) => ({ tenantId, contact: item.contact })),
      ...controls.flatMap(({ tenantId, item }) => (item.kind === 'merged' ? [item.into] : item.kind === 'profile_changed' ? [item.contact] : []).map((contact) => ({ tenantId, contact }))),
    ]);
    const isErased = (tenantId: string, c: ContactRef) => erased.has(keyOf(tenantId, c));
    const live = [...events.entries()].filter(([, { tenantId, item }]) => !isErased(tenantId, item.contact));
    counts.ignored += events.size - live.length;

    if (live.length > 0) {
      // Rows in key order: concurrent deliveries of one batch then lock in the same order, not in a cycle.
      const values = live.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, { tenantId, item }]) => ({
        tenant_id: tenantId,
        object_type: item.contact.objectType,
        contact_id: item.contact.id,
        type: item.event.type,
        occurred_at: item.event.occurredAt,
        source: item.event.source,
        source_event_id: item.event.sourceEventId,
        attrs: JSON.stringify(item.event.attrs),
      }));
      const written = await trx
        .insertInto('events')
        .values(values)
        .onConflict((oc) =>
          oc
            .columns(['tenant_id', 'source', 'source_event_id'])
            // A late sibling property (the URL of a page view already counted) enriches the event.
            .doUpdateSet({ attrs: sql`events.attrs || excluded.attrs` })
            .where(sql<boolean>`not (events.attrs @> excluded.attrs)`),
        )
        .returning(['tenant_id', 'object_type', 'contact_id', sql<boolean>`(xmax = 0)`.as('inserted')])
        .execute();
      const inserted = written.filter((r) => r.inserted).length;
      counts.accepted += inserted;
      counts.duplicate += live.length - inserted;
      for (const r of written) touch(r.tenant_id, { objectType: r.object_type, id: r.contact_id });
    }

    for (const { tenantId, item } of controls) {
      if ((item.kind === 'profile_changed' && isErased(tenantId, item.contact)) || (item.kind === 'merged' && isErased(tenantId, item.into))) {
        counts.ignored++;
        continue;
      }
      counts.accepted++;
      switch (item.kind) {
        case 'profile_changed':
          await markDirty(trx, tenantId, item.contact, { profileStale: true });
          touch(tenantId, item.contact);
          break;
        case 'deleted':
          await forgetContact(trx, tenantId, item.contact, item.privacy);
          touched.delete(keyOf(tenantId, item.contact));
          break;
        case 'merged':
          for (const from of item.from) {
            await trx.updateTable('events').set({ contact_id: item.into.id }).where('tenant_id', '=', tenantId).where('object_type', '=', from.objectType).where('contact_id', '=', from.id).execute();
            await carryOver(trx, tenantId, from, item.into);
            await forgetContact(trx, tenantId, from, false);
            touched.delete(keyOf(tenantId, from));
          }
          touch(tenantId, item.into);
          break;
      }
    }

    await markManyDirty(trx, [...touched.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => k));
    return { counts, touched: [...touched.values()] };
  }));
}

async function markManyDirty(trx: Db, keys: ContactKey[]): Promise<void> {
  if (keys.length === 0) return;
  const now = new Date();
  await trx
    .insertInto('contact_state')
    .values(keys.map((k) => ({ tenant_id: k.tenantId, object_type: k.objectType, contact_id: k.contactId, written: JSON.stringify({}), dirty_seq: 1, updated_at: now, profile: null, profile_fetched_at: null, result: null, model_version: null, next_wake_at: null })))
    .onConflict((oc) => oc.columns(['tenant_id', 'object_type', 'contact_id']).doUpdateSet({ dirty_seq: sql`contact_state.dirty_seq + 1`, deleted: false, updated_at: now }))
    .execute();
}

/** Deadlocks and serialization failures are safe to retry: the whole transaction rolled back. */
async function withDeadlockRetry<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await run();
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (i >= attempts || (code !== '40P01' && code !== '40001')) throw err;
    }
  }
}

async function markDirty(trx: Db, tenantId: string, c: ContactRef, opts: { profileStale?: boolean }): Promise<void> {
  await trx
    .insertInto('contact_state')
    .values({ tenant_id: tenantId, object_type: c.objectType, contact_id: c.id, written: JSON.stringify({}), dirty_seq: 1, updated_at: new Date(), profile: null, profile_fetched_at: null, result: null, model_version: null, next_wake_at: null })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'object_type', 'contact_id']).doUpdateSet({
        dirty_seq: sql`contact_state.dirty_seq + 1`,
        deleted: false,
        updated_at: new Date(),
        ...(opts.profileStale ? { profile_fetched_at: null } : {}),
      }),
    )
    .execute();
}

/**
 * A deleted contact gets no more writes; a privacy deletion (GDPR) also erases everything Kindling holds
 * about it: its events, state and its history, queued writes and dead letters.
 */
async function forgetContact(trx: Db, tenantId: string, c: ContactRef, privacy: boolean): Promise<void> {
  await trx.deleteFrom('outbox').where('tenant_id', '=', tenantId).where('object_type', '=', c.objectType).where('contact_id', '=', c.id).where('status', '=', 'pending').execute();
  if (privacy) {
    await trx.insertInto('erased_contacts').values({ tenant_id: tenantId, object_type: c.objectType, contact_id: c.id, erased_at: new Date() }).onConflict((oc) => oc.doNothing()).execute();
    await trx.deleteFrom('events').where('tenant_id', '=', tenantId).where('object_type', '=', c.objectType).where('contact_id', '=', c.id).execute();
    await trx.deleteFrom('contact_state').where('tenant_id', '=', tenantId).where('object_type', '=', c.objectType).where('contact_id', '=', c.id).execute();
    await trx.deleteFrom('transitions').where('tenant_id', '=', tenantId).where('object_type', '=', c.objectType).where('contact_id', '=', c.id).execute();
    await trx.deleteFrom('outbox').where('tenant_id', '=', tenantId).where('object_type', '=', c.objectType).where('contact_id', '=', c.id).execute();
    await trx.deleteFrom('dead_letters').where('tenant_id', '=', tenantId).where(sql<boolean>`payload->>'contactId' = ${c.id}`).execute();
    return;
  }
  await trx.updateTable('contact_state').set({ deleted: true, next_wake_at: null, updated_at: new Date() }).where('tenant_id', '=', tenantId).where('object_type', '=', c.objectType).where('contact_id', '=', c.id).execute();
}

/** Which of these contacts were erased (GDPR): one indexed query per webhook, none when it names nobody. */
async function erasedAmong(db: Db, refs: Array<{ tenantId: string; contact: ContactRef }>): Promise<Set<string>> {
  if (refs.length === 0) return new Set();
  const ids = [...new Set(refs.map((r) => r.contact.id))];
  const tenantIds = [...new Set(refs.map((r) => r.tenantId))];
  const rows = await db.selectFrom('erased_contacts').select(['tenant_id', 'object_type', 'contact_id']).where('tenant_id', 'in', tenantIds).where('contact_id', 'in', ids).execute();
  return new Set(rows.map((r) => `${r.tenant_id}.${r.object_type}.${r.contact_id}`));
}
