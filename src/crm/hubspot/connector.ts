import type { Client } from '@hubspot/api-client';
import type { Profile, Stage } from '../../engine';
import { mayWriteStage, readStage } from '../stage-policy';
import { RateLimited, TokenRevoked, TransientCrmError } from '../../errors';
import type { Tenant } from '../../store/tables';
import type { CrmConnector, ItemResult, NurtureTarget, TaskInput } from '../connector';
import { type HubSpotCallDeps, hubspotCalls } from './calls';
import { hubspotFields, trackSequenceSchema, withHubSpotFields } from './fields';
import { messageOf } from './sdk';

/** HubSpot: batch endpoints take at most 100 inputs. */
const BATCH = 100;
/** HubSpot-defined association type "task to contact". */
const TASK_TO_CONTACT = 204;


export type HubSpotConnectorDeps = HubSpotCallDeps;

export function createHubSpotConnector(deps: HubSpotConnectorDeps): CrmConnector {
  const { call, allPages } = hubspotCalls(deps);

  /** The portal's owners (HubSpot: at most 500 a page). */
  const allOwners = (tenant: Tenant) => allPages((after) => call(tenant, 'owners.list', (c) => c.crm.owners.ownersApi.getPage(undefined, after, 500)));

  /** Records by id in batches of 100, with the properties asked for; ids HubSpot no longer has are absent. */
  const readBatch = async (tenant: Tenant, object: 'contacts' | 'tasks', ids: string[], properties: string[]) => {
    const out = new Map<string, Record<string, string | null>>();
    for (let i = 0; i < ids.length; i += BATCH) {
      const body = { inputs: ids.slice(i, i + BATCH).map((id) => ({ id })), properties, propertiesWithHistory: [] };
      const res = await call(tenant, `${object}.batch.read`, (c) => (object === 'contacts' ? c.crm.contacts.batchApi.read(body) : c.crm.objects.tasks.batchApi.read(body)));
      for (const r of res.results) out.set(r.id, r.properties);
    }
    return out;
  };
  const readProperties = (tenant: Tenant, ids: string[], properties: string[]) => readBatch(tenant, 'contacts', ids, properties);

  /** An endpoint the SDK has no typed client for (sequences), through its generic request; errors throw like the typed clients'. */
  const requestJson = <T>(c: Client, req: Parameters<Client['apiRequest']>[0]): Promise<T> =>
    c.apiRequest(req).then(async (res) => {
      const json = (await res.json().catch(() => ({}))) as T & { message?: string };
      if (res.status >= 400) throw Object.assign(new Error(json.message ?? `HTTP ${res.status}`), { code: res.status, body: json, headers: { 'x-hubspot-ratelimit-interval-milliseconds': res.headers.get('x-hubspot-ratelimit-interval-milliseconds') ?? '' } });
      return json;
    });

  return {
    crm: 'hubspot',
    batchSize: BATCH,

    async readProfiles(tenant, _objectType, ids) {
      const map = hubspotFields(tenant.settings as Record<string, unknown>);
      const props = await readProperties(tenant, ids, [...new Set(Object.values(map.profile))]);
      const profiles = new Map<string, Profile>();
      for (const [id, p] of props) {
        const get = (field: string) => {
          const v = p[map.profile[field] ?? ''];
          return v === null || v === undefined || v === '' ? undefined : v;
        };
        const size = Number(get('companySize'));
        const email = get('email');
        const stage = readStage(map.stages, get('lifecycleStage'));
        profiles.set(id, {
          ...pick({ firstName: get('firstName'), lastName: get('lastName'), email, company: get('company'), jobTitle: get('jobTitle'), seniority: get('seniority'), industry: get('industry'), country: get('country'), ownerId: get('ownerId') }),
          ...(email ? { emailDomain: email.split('@')[1]?.toLowerCase() } : {}),
          ...(Number.isFinite(size) && get('companySize') ? { companySize: size } : {}),
          ...(stage ? { lifecycleStage: stage } : {}),
          ...(stage === 'customer' ? { isCustomer: true } : {}),
          ...(get('unsubscribed') === 'true' ? { unsubscribed: true } : {}),
          attributes: {},
        });
      }
      return profiles;
    },

    async updateProperties(tenant, updates) {
      const map = hubspotFields(tenant.settings as Record<string, unknown>);
      // Stages move forward only: read what HubSpot holds now, and drop a stage that would not advance it.
      const staged = updates.filter((u) => u.properties.stage).map((u) => u.contactId);
      const current = staged.length > 0 ? await readProperties(tenant, staged, [map.outputs.stage ?? 'lifecyclestage']) : new Map();
      const inputs = updates.map((u) => {
        const properties: Record<string, string> = {};
        for (const [k, v] of Object.entries(u.properties)) {
          const prop = map.outputs[k];
          if (!prop || v === undefined) continue;
          if (k === 'stage') {
            const now = current.get(u.contactId)?.[prop];
            if (!mayWriteStage(map.stages, now, v as Stage)) continue;
            properties[prop] = map.stages[v as string] ?? String(v);
          } else properties[prop] = k === 'scoredAt' ? new Date(String(v)).toISOString() : String(v);
        }
        return { id: u.contactId, properties };
      });
      const results: ItemResult[] = [];
      for (let i = 0; i < inputs.length; i += BATCH) {
        const chunk = inputs.slice(i, i + BATCH);
        const res = (await call(tenant, 'contacts.batch.update', (c) => c.crm.contacts.batchApi.update({ inputs: chunk }))) as { results: Array<{ id: string }>; errors?: Array<{ message: string; context?: Record<string, string[]> }> };
        const failed = new Map<string, string>();
        for (const e of res.errors ?? []) for (const id of e.context?.ids ?? []) failed.set(id, e.message);
        for (const input of chunk) {
          const error = failed.get(input.id);
          results.push(error ? { ok: false, permanent: true, error } : { ok: true, id: input.id });
        }
      }
      return results;
    },

    async createTasks(tenant, tasks) {
      const results: ItemResult[] = [];
      for (let i = 0; i < tasks.length; i += BATCH) {
        const chunk = tasks.slice(i, i + BATCH);
        // HubSpot does not promise input order in its answer: each input carries a trace id that its
        // result (or its error, in a 207) echoes back, and results are paired by that id alone.
        const inputs = chunk.map((t, j) => ({ ...taskInput(t), objectWriteTraceId: String(j) }));
        const res = (await call(tenant, 'tasks.batch.create', (c) => c.crm.objects.tasks.batchApi.create({ inputs } as never))) as { results: Array<{ id: string; objectWriteTraceId?: string }>; errors?: Array<{ message: string; context?: Record<string, string[]> }> };
        const created = new Map(res.results.filter((r) => r.objectWriteTraceId !== undefined).map((r) => [r.objectWriteTraceId!, r.id]));
        const failed = new Map((res.errors ?? []).flatMap((e) => (e.context?.objectWriteTraceId ?? []).map((t) => [t, e.message] as const)));
        chunk.forEach((_t, j) => {
          const id = created.get(String(j));
          const error = failed.get(String(j));
          // Neither a result nor an error: the outcome is unknown, so the row is retried, and a retry looks the task up first.
          results.push(id ? { ok: true, id } : error ? { ok: false, permanent: true, error } : { ok: false, permanent: false, error: 'HubSpot returned no result for this task' });
        });
      }
      return results;
    },

    async readTaskStatuses(tenant, taskIds) {
      // A 207 lists the tasks a rep deleted as errors; they are simply absent from the answer.
      const tasks = await readBatch(tenant, 'tasks', taskIds, ['hs_task_status', 'hs_task_completion_date']);
      return new Map([...tasks].map(([id, p]) => {
        const at = p.hs_task_completion_date;
        return [id, { completed: p.hs_task_status === 'COMPLETED', ...(at ? { completedAt: /^\d+$/.test(at) ? new Date(Number(at)).toISOString() : at } : {}) }];
      }));
    },

    async listProperties(tenant) {
      const res = await call(tenant, 'properties.list', (c) => c.crm.properties.coreApi.getAll('contacts'));
      const kind = (t: string) => (t === 'number' ? 'number' : t === 'bool' ? 'bool' : t === 'datetime' || t === 'date' ? 'datetime' : 'text') as 'number' | 'text' | 'bool' | 'datetime';
      return res.results.map((p) => ({ name: p.name, label: p.label, type: kind(p.type), writable: !p.calculated && !p.modificationMetadata?.readOnlyValue }));
    },

    mappedObjects: [{ objectType: 'contact', label: 'Contacts' }],
    fieldMapping: (settings) => hubspotFields(settings),
    withFieldMapping: (settings, _objectType, patch) => withHubSpotFields(settings, patch),

    async listStageValues(tenant) {
      const property = hubspotFields(tenant.settings as Record<string, unknown>).outputs.stage ?? 'lifecyclestage';
      const p = await call(tenant, 'properties.get', (c) => c.crm.properties.coreApi.getByName('contacts', property));
      return p.type === 'enumeration' ? p.options.filter((o) => !o.hidden).map((o) => ({ value: o.value, label: o.label })) : null;
    },

    async listNurtureTargets(tenant) {
      // Sequences are listed per HubSpot user (userId is required): the one who installed Kindling, whose
      // seat sends them. The owners list gives that user's sender email.
      const userId = tenant.installed_by;
      if (!userId) return [];
      const sequences = await allPages((after) => call(tenant, 'sequences.list', (c) =>
        requestJson<{ results: Array<{ id: string; name: string; userId?: string }>; paging?: { next?: { after?: string } } }>(c, { method: 'GET', path: '/automation/v4/sequences', qs: { userId, limit: 100, ...(after ? { after } : {}) } })));
      const owners = await allOwners(tenant);
      const emailOf = new Map(owners.map((o) => [String(o.userId), o.email ?? '']));
      return sequences.map((q) => {
        const sender = String(q.userId ?? userId);
        return { id: `sequence:${q.id}:${sender}`, label: q.name, kind: 'sequence' as const, detail: { sequenceId: q.id, senderUserId: sender, senderEmail: emailOf.get(sender) ?? '' } };
      });
    },

    async listOwners(tenant) {
      return (await allOwners(tenant)).filter((o) => !o.archived).map((o) => ({ id: o.id, label: [o.firstName, o.lastName].filter(Boolean).join(' ') || o.email || o.id }));
    },

    trackTargets(settings) {
      const m = trackSequenceSchema.safeParse(settings.tracks ?? {});
      return Object.fromEntries(Object.entries(m.success ? m.data : {}).map(([track, s]) => [track, `sequence:${s.sequenceId}:${s.senderUserId}`]));
    },

    withTrackTargets(settings, targets) {
      const current = trackSequenceSchema.safeParse(settings.tracks ?? {});
      const tracks: Record<string, unknown> = { ...(current.success ? current.data : {}) };
      for (const [track, target] of Object.entries(targets)) {
        if (!target) delete tracks[track];
        else tracks[track] = { sequenceId: target.detail?.sequenceId ?? '', senderUserId: target.detail?.senderUserId ?? '', senderEmail: target.detail?.senderEmail ?? '' };
      }
      return { ...settings, tracks };
    },

    async findTask(tenant, t) {
      // The contact's own task associations, not the search index: search lags writes by seconds, which is
      // exactly when an ambiguous create is retried, and a subject alone could match another contact's task.
      const linked = await allPages((after) => call(tenant, 'associations.list', (c) => c.crm.associations.v4.basicApi.getPage('contacts', t.contactId, 'tasks', after, 500)), 20);
      const subjects = await readBatch(tenant, 'tasks', linked.map((r) => String(r.toObjectId)), ['hs_task_subject']);
      return [...subjects].find(([, p]) => p.hs_task_subject === t.task.subject)?.[0];
    },

    async enroll(tenant, _objectType, contactId, track) {
      const mapping = trackSequenceSchema.safeParse((tenant.settings as Record<string, unknown>)?.tracks ?? {});
      const seq = mapping.success ? mapping.data[track] : undefined;
      if (!seq) return { ok: true, detail: { skipped: `no sequence mapped to the ${track} track` } };
      try {
        const body = await call(tenant, 'sequences.enroll', (c) =>
          requestJson<{ id?: string }>(c, { method: 'POST', path: '/automation/v4/sequences/enrollments', qs: { userId: seq.senderUserId }, body: { contactId, sequenceId: seq.sequenceId, senderEmail: seq.senderEmail } }));
        return { ok: true, ...(body.id ? { id: body.id } : {}) };
      } catch (err) {
        if (err instanceof RateLimited || err instanceof TransientCrmError || err instanceof TokenRevoked) throw err;
        // HubSpot keeps a contact in one sequence at a time, and its API cannot unenroll: a contact already
        // in a sequence stays there, which is not a failure to dead-letter.
        if (/already enrolled/i.test(messageOf(err))) return { ok: true, detail: { skipped: 'contact is already in a HubSpot sequence' } };
        return { ok: false, permanent: true, error: messageOf(err) };
      }
    },

    async unenroll() {
      // HubSpot's public sequences API (automation v4) has no unenroll call; a sequence ends by itself on
      // reply, meeting booked, unsubscribe or bounce, which are Kindling's exits too.
      return { ok: true, detail: { skipped: 'HubSpot offers no API to unenroll; the sequence stops on reply, meeting or unsubscribe' } };
    },
  };
}

function taskInput(t: TaskInput) {
  return {
    properties: {
      hs_task_subject: t.task.subject,
      hs_task_body: toHtml(t.task.body),
      hs_task_priority: t.task.priority,
      hs_task_status: 'NOT_STARTED',
      hs_timestamp: new Date(t.task.dueAt).toISOString(),
      ...(t.task.ownerId ? { hubspot_owner_id: t.task.ownerId } : {}),
    },
    associations: [{ to: { id: t.contactId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: TASK_TO_CONTACT }] }],
  };
}

function pick<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** hs_task_body is rich text: keep the rep's line breaks, escape the rest. */
function toHtml(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!))
    .join('<br>');
}
