import { sql } from 'kysely';
import type { CrmConnector, ItemResult, PropertyUpdate, TaskInput } from '../crm/connector';
import type { Profile } from '../engine';
import { PermanentCrmError, RateLimited, TokenRevoked } from '../errors';
import type { Logger } from '../log';
import type { Keyring } from '../crypto';
import { createTaskPayload, enrollPayload, notifyPayload, setPropertiesPayload, unenrollPayload } from '../outbox/payloads';
import type { Db } from '../store/db';
import type { Crm, OutboxRow, Tenant } from '../store/tables';
import { deadLetter } from './dead-letters';
import { channelForAlerts, type NotificationChannel, sendNotification } from './notify';
import { routeOwner, routingOf } from './routing';

export interface WriterDeps {
  db: Db;
  connectors: Partial<Record<Crm, CrmConnector>>;
  log: Logger;
  /** Opens what the tenant's settings keep sealed (the alert channel's URL). */
  keyring?: Keyring;
  /** Attempts before a transiently failing row is dead-lettered. */
  maxAttempts?: number;
  claimSize?: number;
}

export interface DrainResult {
  sent: number;
  dead: number;
  /** Set when the tenant must wait (rate limit, transient failure): drain again after this long. */
  retryAfterMs?: number;
  /** The tenant cannot be written to now (not active, no connector, token revoked): do not loop on it. */
  blocked?: true;
}

/**
 * Sends a tenant's pending outbox rows to its CRM: property updates coalesced per contact (latest value
 * wins) in batches, tasks in batches, enrollments one by one. Every item's own result decides its row:
 * sent, retried later, or dead-lettered with the CRM's message. Rows are claimed with SKIP LOCKED, so
 * any number of writer processes can drain one tenant without sending a row twice.
 */
export async function drainTenant(deps: WriterDeps, tenantId: string): Promise<DrainResult> {
  const out: DrainResult = { sent: 0, dead: 0 };
  const max = deps.maxAttempts ?? 6;
  for (;;) {
    const tenant = await deps.db.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst();
    if (!tenant || tenant.status !== 'active') return { ...out, blocked: true };
    const connector = deps.connectors[tenant.crm];
    if (!connector) return { ...out, blocked: true };
    const claimed = await claim(deps.db, tenantId, deps.claimSize ?? 500);
    if (claimed.length === 0) return out;
    const rows = await withoutStaleActions(deps, claimed, out);
    const settle = createSettler(deps, out, max);
    try {
      await sendProperties(connector, tenant, rows.filter((r) => r.kind === 'set_properties'), settle);
      await sendTasks(deps.db, connector, tenant, rows.filter((r) => r.kind === 'create_task'), settle);
      // Opened once per claim, not per alert: the channel's URL is sealed like a token.
      const channel = deps.keyring && rows.some((r) => r.kind === 'notify') ? channelForAlerts(tenant.settings, deps.keyring) : undefined;
      for (const row of rows.filter((r) => r.kind === 'enroll' || r.kind === 'unenroll' || r.kind === 'notify')) {
        await isolate([row], settle, async () => settle.one(row, await sendOne(connector, tenant, row, channel)));
      }
    } catch (err) {
      const unsettled = rows.filter((r) => !settle.done.has(r.id));
      if (err instanceof RateLimited) {
        // Waiting for the CRM's budget is not a failure: the attempt does not count.
        await release(deps.db, unsettled, true);
        out.retryAfterMs = err.retryAfterMs;
        return out;
      }
      if (err instanceof TokenRevoked) {
        await release(deps.db, unsettled, true);
        deps.log.warn('writer.token_revoked', { tenantId });
        return { ...out, blocked: true };
      }
      throw err;
    }
    if (settle.transient.length > 0) {
      // Rows that failed transiently wait out a backoff instead of being claimed again at once.
      out.retryAfterMs = backoffMs(Math.max(...settle.transient.map((r) => r.attempts)));
      return out;
    }
  }
}

/**
 * Runs one CRM call for `rows`; a failure of that call settles only those rows (permanent → dead letter,
 * transient → retried later), so one bad chunk or enrollment never fails the rest of the drain. A rate
 * limit or a revoked token stops the whole drain (rethrown).
 */
async function isolate(rows: OutboxRow[], settle: Settler, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if (err instanceof RateLimited || err instanceof TokenRevoked) throw err;
    const permanent = err instanceof PermanentCrmError;
    for (const r of rows) if (!settle.done.has(r.id)) await settle.one(r, { ok: false, permanent, error: (err as Error).message });
  }
}

/**
 * A batch call for `items`. HubSpot refuses a whole batch with one 400 when a single input is invalid (a
 * property value, a missing association): rather than dead-letter every row with it, the batch is halved
 * until the bad input stands alone. That costs extra calls only when a batch fails: about 2·log2(n) for one
 * bad input among n.
 */
async function bisect<T>(items: T[], rowsOf: (items: T[]) => OutboxRow[], settle: Settler, send: (items: T[]) => Promise<void>): Promise<void> {
  const open = items.filter((x) => rowsOf([x]).some((r) => !settle.done.has(r.id)));
  if (open.length === 0) return;
  try {
    await send(open);
  } catch (err) {
    if (err instanceof RateLimited || err instanceof TokenRevoked) throw err;
    if (err instanceof PermanentCrmError && open.length > 1) {
      const mid = Math.ceil(open.length / 2);
      await bisect(open.slice(0, mid), rowsOf, settle, send);
      await bisect(open.slice(mid), rowsOf, settle, send);
      return;
    }
    const permanent = err instanceof PermanentCrmError;
    for (const r of rowsOf(open)) if (!settle.done.has(r.id)) await settle.one(r, { ok: false, permanent, error: (err as Error).message });
  }
}

/** Exponential backoff with jitter: 1 s, 2 s, 4 s … capped at 5 minutes. */
export function backoffMs(attempt: number): number {
  const base = Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/** A task, alert or enrollment queued longer ago than this (held while the CRM was disconnected, or stuck) is not sent. */
export const ACTION_MAX_AGE_DAYS = 14;
const ACTIONS: ReadonlySet<string> = new Set(['create_task', 'notify', 'enroll', 'unenroll']);

/**
 * Rows to send now, less the actions held too long to mean what they meant (a demo request three weeks
 * ago is no longer "call now"): those become dead letters, with why, for the admin to replay or leave.
 */
async function withoutStaleActions(deps: WriterDeps, rows: OutboxRow[], out: DrainResult): Promise<OutboxRow[]> {
  const cutoff = Date.now() - ACTION_MAX_AGE_DAYS * 86_400_000;
  const fresh: OutboxRow[] = [];
  for (const row of rows) {
    const queued = new Date(row.created_at).getTime();
    if (!ACTIONS.has(row.kind) || queued >= cutoff) {
      fresh.push(row);
      continue;
    }
    const days = Math.floor((Date.now() - queued) / 86_400_000);
    await deadLetter(deps.db, row, `Not sent: queued ${new Date(queued).toISOString().slice(0, 10)} (${days} days ago) and still unsent, too old to act on. Replay to send it now.`);
    out.dead++;
  }
  return fresh;
}

/**
 * The next rows to send, rep-facing ones first: a hot lead's task and alert must not wait behind a
 * backlog of score updates (an install's first sync, a model change rescoring everyone). Otherwise in
 * the order they were written, which keeps one contact's leave-then-join of sequences in order.
 */
async function claim(db: Db, tenantId: string, limit: number): Promise<OutboxRow[]> {
  const { rows } = await sql<OutboxRow>`
    update outbox set status = 'sending', attempts = attempts + 1, updated_at = now()
    where id in (
      select id from outbox where tenant_id = ${tenantId} and status = 'pending'
      order by (kind in ('create_task', 'notify')) desc, id limit ${limit} for update skip locked
    )
    returning *`.execute(db);
  return rows.sort((a, b) => a.id - b.id);
}

async function release(db: Db, rows: OutboxRow[], uncount: boolean): Promise<void> {
  if (rows.length === 0) return;
  await db
    .updateTable('outbox')
    .set((eb) => ({ status: 'pending', updated_at: new Date(), ...(uncount ? { attempts: eb('attempts', '-', 1) } : {}) }))
    .where('id', 'in', rows.map((r) => r.id))
    .execute();
}

function createSettler(deps: WriterDeps, out: DrainResult, max: number) {
  const done = new Set<number>();
  const transient: OutboxRow[] = [];
  return {
    done,
    transient,
    async one(row: OutboxRow, result: ItemResult): Promise<void> {
      done.add(row.id);
      if (result.ok) {
        await deps.db.updateTable('outbox').set({ status: 'sent', last_error: null, updated_at: new Date(), result: JSON.stringify({ ...(result.id ? { id: result.id } : {}), ...result.detail }) }).where('id', '=', row.id).execute();
        out.sent++;
        return;
      }
      if (result.permanent || row.attempts >= max) {
        await deadLetter(deps.db, row, result.error);
        deps.log.warn('writer.dead_letter', { tenantId: row.tenant_id, contact: row.contact_id, kind: row.kind, attempts: row.attempts });
        out.dead++;
        return;
      }
      await deps.db.updateTable('outbox').set({ status: 'pending', last_error: result.error, updated_at: new Date() }).where('id', '=', row.id).execute();
      transient.push(row);
    },
  };
}

type Settler = ReturnType<typeof createSettler>;

async function sendProperties(connector: CrmConnector, tenant: Parameters<CrmConnector['updateProperties']>[0], rows: OutboxRow[], settle: Settler): Promise<void> {
  if (rows.length === 0) return;
  // Coalesce: all pending rows of a contact become one input, later values over earlier ones.
  const byContact = new Map<string, { update: PropertyUpdate; rows: OutboxRow[] }>();
  for (const row of rows) {
    const parsed = setPropertiesPayload.safeParse(row.payload);
    if (!parsed.success) {
      await settle.one(row, { ok: false, permanent: true, error: `malformed payload: ${parsed.error.message}` });
      continue;
    }
    const key = `${row.object_type}:${row.contact_id}`;
    const entry = byContact.get(key) ?? { update: { objectType: row.object_type, contactId: row.contact_id, properties: {} }, rows: [] };
    Object.assign(entry.update.properties, parsed.data.properties);
    entry.rows.push(row);
    byContact.set(key, entry);
  }
  const entries = [...byContact.values()];
  for (let i = 0; i < entries.length; i += connector.batchSize) {
    const chunk = entries.slice(i, i + connector.batchSize);
    await bisect(chunk, (es) => es.flatMap((e) => e.rows), settle, async (es) => {
      const results = await connector.updateProperties(tenant, es.map((e) => e.update));
      for (const [j, e] of es.entries()) for (const row of e.rows) await settle.one(row, results[j]!);
    });
  }
}

async function sendTasks(db: Db, connector: CrmConnector, tenant: Parameters<CrmConnector['createTasks']>[0], rows: OutboxRow[], settle: Settler): Promise<void> {
  if (rows.length === 0) return;
  const owners = await ownersOf(db, tenant, rows.map((r) => r.contact_id));
  const fresh: Array<{ row: OutboxRow; input: TaskInput }> = [];
  for (const row of rows) {
    const parsed = createTaskPayload.safeParse(row.payload);
    if (!parsed.success) {
      await settle.one(row, { ok: false, permanent: true, error: `malformed payload: ${parsed.error.message}` });
      continue;
    }
    const owner = parsed.data.ownerId ?? owners.get(row.contact_id);
    const input: TaskInput = { objectType: row.object_type, contactId: row.contact_id, task: { ...parsed.data, ...(owner ? { ownerId: owner } : {}) } };
    // Tried before and the outcome unknown (a timeout after sending): look the task up, never resend blindly.
    let found = false;
    if (row.attempts > 1) {
      await isolate([row], settle, async () => {
        const existing = await connector.findTask(tenant, input);
        if (existing) {
          found = true;
          await settle.one(row, { ok: true, id: existing, detail: { recoveredBy: 'lookup' } });
        }
      });
    }
    if (!found && !settle.done.has(row.id)) fresh.push({ row, input });
  }
  for (let i = 0; i < fresh.length; i += connector.batchSize) {
    const chunk = fresh.slice(i, i + connector.batchSize);
    await bisect(chunk, (cs) => cs.map((c) => c.row), settle, async (cs) => {
      const results = await connector.createTasks(tenant, cs.map((c) => c.input));
      for (const [j, c] of cs.entries()) await settle.one(c.row, results[j]!);
    });
  }
}

async function sendOne(connector: CrmConnector, tenant: Tenant, row: OutboxRow, channel: NotificationChannel | { problem: string } | undefined): Promise<ItemResult> {
  if (row.kind === 'enroll') {
    const p = enrollPayload.safeParse(row.payload);
    return p.success ? connector.enroll(tenant, row.object_type, row.contact_id, p.data.track) : { ok: false, permanent: true, error: 'malformed payload' };
  }
  if (row.kind === 'unenroll') {
    const p = unenrollPayload.safeParse(row.payload);
    return p.success ? connector.unenroll(tenant, row.object_type, row.contact_id, p.data.track) : { ok: false, permanent: true, error: 'malformed payload' };
  }
  // Alerts go to the channel the admin connected (a chat webhook); without one they are recorded, not sent.
  if (!channel) return { ok: true, detail: { skipped: 'no notification channel configured' } };
  if ('problem' in channel) return { ok: false, permanent: true, error: channel.problem };
  const p = notifyPayload.safeParse(row.payload);
  return p.success ? sendNotification(channel, p.data) : { ok: false, permanent: true, error: 'malformed payload' };
}

/** Each contact's owner in the CRM, else the tenant's routing rule for it (see `routing.ts`). */
async function ownersOf(db: Db, tenant: Tenant, contactIds: string[]): Promise<Map<string, string>> {
  const routing = routingOf(tenant.settings);
  const rows = await db.selectFrom('contact_state').select(['contact_id', 'profile']).where('tenant_id', '=', tenant.id).where('contact_id', 'in', [...new Set(contactIds)]).execute();
  const out = new Map<string, string>();
  for (const r of rows) {
    const profile = (r.profile ?? { attributes: {} }) as Profile;
    const owner = profile.ownerId ?? routeOwner(routing, profile);
    if (owner) out.set(r.contact_id, owner);
  }
  return out;
}
