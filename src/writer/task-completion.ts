import { sql } from 'kysely';
import type { Redis } from 'ioredis';
import type { CrmConnector } from '../crm/connector';
import type { Logger } from '../log';
import { createTaskPayload, type NotifyPayload } from '../outbox/payloads';
import type { Db } from '../store/db';
import type { Crm } from '../store/tables';

/** Tasks older than this are no longer asked about: a handoff nobody worked in a month is its own answer. */
const MAX_AGE_DAYS = 30;
/** Per tenant, at most this many open tasks per poll (HubSpot: 20 batch reads; Salesforce: 10 collections). */
const MAX_TASKS = 2000;

export interface TaskCompletionDeps {
  db: Db;
  connectors: Partial<Record<Crm, CrmConnector>>;
  log: Logger;
  /** True for the one process that may poll this tenant now (shared across workers). */
  claim(tenantId: string): Promise<boolean>;
}

/**
 * Learns which of the rep tasks Kindling created were completed, for the setup screen's "tasks created vs
 * completed", and alerts on the ones past their SLA. Neither CRM sends a webhook for a task's status that a connector app can subscribe to, so
 * open tasks are read back by id in batches, each tenant at most once per claim interval.
 */
export async function pollTaskCompletions(deps: TaskCompletionDeps, now: Date): Promise<number> {
  const since = new Date(now.getTime() - MAX_AGE_DAYS * 86_400_000);
  const tenants = await deps.db.selectFrom('outbox').innerJoin('tenants', 'tenants.id', 'outbox.tenant_id').select('tenants.id').distinct()
    .where('outbox.kind', '=', 'create_task').where('outbox.status', '=', 'sent').where('outbox.completed_at', 'is', null).where('outbox.created_at', '>=', since)
    .where('tenants.status', '=', 'active').execute();
  let completed = 0;
  for (const { id: tenantId } of tenants) {
    if (!(await deps.claim(tenantId))) continue;
    try {
      completed += await pollTenant(deps, tenantId, since, now);
    } catch (err) {
      // Best effort: the next interval asks again; a refused call must not stop the other tenants.
      deps.log.warn('tasks.poll_failed', { tenantId, error: (err as Error).message });
    }
  }
  return completed;
}

async function pollTenant(deps: TaskCompletionDeps, tenantId: string, since: Date, now: Date): Promise<number> {
  const tenant = await deps.db.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirstOrThrow();
  const connector = deps.connectors[tenant.crm];
  if (!connector) return 0;
  // Newest first: past MAX_TASKS open tasks, the ones a rep is still working on are the ones read.
  const rows = await deps.db.selectFrom('outbox').select(['id', 'object_type', 'contact_id', 'payload', 'result']).where('tenant_id', '=', tenantId).where('kind', '=', 'create_task')
    .where('status', '=', 'sent').where('completed_at', 'is', null).where('created_at', '>=', since).orderBy('id', 'desc').limit(MAX_TASKS).execute();
  const byTask = new Map(rows.flatMap((r) => {
    const id = (r.result as { id?: unknown } | null)?.id;
    return typeof id === 'string' ? [[id, r] as const] : [];
  }));
  if (byTask.size === 0) return 0;
  const statuses = await connector.readTaskStatuses(tenant, [...byTask.keys()]);
  const done: Array<{ id: number; at: Date }> = [];
  const open: typeof rows = [];
  for (const [taskId, s] of statuses) {
    const row = byTask.get(taskId)!;
    if (!s.completed) open.push(row);
    else done.push({ id: row.id, at: s.completedAt && !Number.isNaN(Date.parse(s.completedAt)) ? new Date(s.completedAt) : now });
  }
  // One statement each, whatever the number of tasks.
  if (done.length > 0) {
    await sql`update outbox set completed_at = v.at::timestamptz from (values ${sql.join(done.map((d) => sql`(${d.id}::int8, ${d.at.toISOString()})`))}) as v(id, at)
      where outbox.tenant_id = ${tenantId} and outbox.id = v.id`.execute(deps.db);
    deps.log.info('tasks.completed', { tenantId, tasks: done.length });
  }
  await alertOverdue(deps.db, tenantId, open, now);
  return done.length;
}

/**
 * A task still open past its due time (the model's SLA) raises one alert to the tenant's channel, keyed on
 * the task's outbox row so later polls never repeat it. The sweeper hands it to the writer.
 */
async function alertOverdue(db: Db, tenantId: string, rows: Array<{ id: number; object_type: 'contact' | 'lead'; contact_id: string; payload: unknown }>, now: Date): Promise<void> {
  const alerts = rows.flatMap((row) => {
    const task = createTaskPayload.safeParse(row.payload);
    if (!task.success || Date.parse(task.data.dueAt) > now.getTime()) return [];
    const due = new Date(task.data.dueAt).toISOString().slice(0, 16).replace('T', ' ');
    const payload: NotifyPayload = { text: `Overdue: "${task.data.subject}" was due ${due} UTC and is still open.`, priority: 'HIGH' };
    return [{ tenant_id: tenantId, object_type: row.object_type, contact_id: row.contact_id, kind: 'notify' as const, payload: JSON.stringify(payload), idempotency_key: `sla:${row.id}`, status: 'pending' as const, last_error: null, result: null, updated_at: now }];
  });
  if (alerts.length > 0) await db.insertInto('outbox').values(alerts).onConflict((oc) => oc.doNothing()).execute();
}

/** A Redis claim per tenant and interval, so several worker processes poll a tenant once between them. */
export function redisClaim(redis: Redis, intervalMs: number, prefix = 'kindling:task-poll:'): (tenantId: string) => Promise<boolean> {
  return async (tenantId) => (await redis.set(`${prefix}${tenantId}`, '1', 'PX', intervalMs, 'NX')) === 'OK';
}

export function startTaskCompletionPoller(deps: TaskCompletionDeps, everyMs = 60_000): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await pollTaskCompletions(deps, new Date());
    } catch (err) {
      deps.log.warn('tasks.poll_failed', { error: (err as Error).message });
    } finally {
      running = false;
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
