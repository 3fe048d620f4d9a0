import { Connection } from 'jsforce';
import type { TokenProvider } from '../../auth/token-provider';
import type { Profile, Stage } from '../../engine';
import { readStage, mayWriteStage } from '../stage-policy';
import { PermanentCrmError, RateLimited, TokenRevoked, TransientCrmError } from '../../errors';
import type { Metrics } from '../../metrics';
import type { Tenant } from '../../store/tables';
import type { CrmConnector, ItemResult, NurtureTarget, ObjectType, PropertyUpdate, TaskInput } from '../connector';
import { salesforceFields, trackCadenceSchema, trackCampaignSchema, withSalesforceFields } from './fields';
import { SALESFORCE_API_VERSION } from './oauth';

/** Salesforce: sObject Collections take at most 200 records per call. */
const BATCH = 200;
/** An exhausted daily allocation resets within the rolling 24 hours; look again in 15 minutes. */
const LIMIT_PAUSE_MS = 15 * 60_000;
/** Salesforce: Task.Subject holds at most 255 characters. */
const SUBJECT_MAX = 255;
/**
 * Codes Salesforce documents as worth retrying, for a whole request or one record of a collection: a row
 * lock held by another transaction (often a Flow or trigger on the same record), or a briefly
 * unavailable service.
 */
const TRANSIENT_CODES = /^(UNABLE_TO_LOCK_ROW|API_TEMPORARILY_UNAVAILABLE|SERVER_UNAVAILABLE)$/;

type SaveResult = { id?: string; success: boolean; errors: Array<{ statusCode?: string; errorCode?: string; message: string }> };
const sobjectOf = (t: ObjectType) => (t === 'lead' ? 'Lead' : 'Contact');

/**
 * Salesforce through jsforce: profiles read by id with the collections resource (no SOQL), writes as
 * sObject Collections with per-record results, tasks and campaign membership. `INVALID_SESSION_ID`
 * refreshes once through Kindling's token provider (jsforce's refresh hook); `REQUEST_LIMIT_EXCEEDED`
 * pauses this tenant only.
 */
export function createSalesforceConnector(deps: { tokens: TokenProvider; metrics?: Metrics }): CrmConnector {
  const connect = async (tenant: Tenant) =>
    new Connection({
      instanceUrl: tenant.instance_url ?? '',
      accessToken: await deps.tokens.accessToken(tenant.id),
      version: SALESFORCE_API_VERSION,
      refreshFn: (conn, callback) => {
        deps.tokens.refreshAfterUnauthorized(tenant.id, conn.accessToken ?? '').then((t) => callback(null, t), (err) => callback(err as Error));
      },
    });

  const call = async <T>(tenant: Tenant, op: string, fn: (c: Connection) => Promise<T>): Promise<T> => {
    const conn = await connect(tenant);
    try {
      const out = await fn(conn);
      deps.metrics?.crmCalls.inc({ crm: 'salesforce', operation: op, outcome: 'ok' });
      // Sforce-Limit-Info, parsed by jsforce: the org's daily allocation, watched per tenant.
      const usage = conn.limitInfo?.apiUsage;
      if (usage?.limit) deps.metrics?.crmApiUsage.set({ crm: 'salesforce', tenant: tenant.id }, usage.used / usage.limit);
      return out;
    } catch (err) {
      deps.metrics?.crmCalls.inc({ crm: 'salesforce', operation: op, outcome: 'error' });
      throw classify(err);
    }
  };


  const readFields = async (tenant: Tenant, type: 'Lead' | 'Contact' | 'Task', ids: string[], fields: string[]) => {
    const out = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < ids.length; i += BATCH) {
      const chunk = ids.slice(i, i + BATCH);
      const records = (await call(tenant, 'retrieve', (c) => c.sobject(type).retrieve(chunk, { fields: ['Id', ...fields] }))) as Array<Record<string, unknown> | null>;
      records.forEach((r, j) => r && out.set(chunk[j]!, r));
    }
    return out;
  };

  /** One input to a standard invocable action (Sales Engagement's cadence actions); its one result. */
  const invoke = async (tenant: Tenant, action: string, input: Record<string, unknown>) => {
    const out = (await call(tenant, `actions.${action}`, (c) =>
      c.request({ method: 'POST', url: `/services/data/v${SALESFORCE_API_VERSION}/actions/standard/${action}`, body: JSON.stringify({ inputs: [input] }), headers: { 'content-type': 'application/json' } }),
    )) as Array<{ isSuccess: boolean; errors?: Array<{ message: string; statusCode?: string }> }>;
    return out[0];
  };

  return {
    crm: 'salesforce',
    batchSize: BATCH,

    async readProfiles(tenant, objectType, ids) {
      const type = sobjectOf(objectType);
      const map = salesforceFields(tenant.settings as Record<string, unknown>, type);
      const records = await readFields(tenant, type, ids, [...new Set(Object.values(map.profile))]);
      const profiles = new Map<string, Profile>();
      for (const [id, r] of records) {
        const get = (f: string) => {
          const v = r[map.profile[f] ?? ''];
          return v === null || v === undefined || v === '' ? undefined : v;
        };
        const email = get('email') as string | undefined;
        const value = get('lifecycleStage');
        const stage = readStage(map.stages, value === undefined ? undefined : String(value));
        profiles.set(id, {
          ...Object.fromEntries(['firstName', 'lastName', 'company', 'jobTitle', 'industry', 'country', 'ownerId'].map((f) => [f, get(f)]).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])),
          ...(email ? { email, emailDomain: email.split('@')[1]?.toLowerCase() } : {}),
          ...(typeof get('companySize') === 'number' ? { companySize: get('companySize') as number } : {}),
          ...(stage ? { lifecycleStage: stage } : {}),
          ...(get('unsubscribed') === true ? { unsubscribed: true } : {}),
          attributes: {},
        });
      }
      return profiles;
    },

    async updateProperties(tenant, updates) {
      const results = new Map<PropertyUpdate, ItemResult>();
      for (const type of ['Lead', 'Contact'] as const) {
        const mine = updates.filter((u) => sobjectOf(u.objectType) === type);
        if (mine.length === 0) continue;
        const map = salesforceFields(tenant.settings as Record<string, unknown>, type);
        const staged = mine.filter((u) => u.properties.stage).map((u) => u.contactId);
        const current = staged.length > 0 ? await readFields(tenant, type, staged, [map.outputs.stage!]) : new Map<string, Record<string, unknown>>();
        const records = mine.map((u) => {
          const rec: Record<string, unknown> = { Id: u.contactId };
          for (const [k, v] of Object.entries(u.properties)) {
            const field = map.outputs[k];
            if (!field || v === undefined) continue;
            if (k === 'stage') {
              const next = map.stages[v as string];
              if (!next || !mayWriteStage(map.stages, current.get(u.contactId)?.[field] as string | null | undefined, v as Stage)) continue;
              rec[field] = next;
            } else rec[field] = v;
          }
          return rec;
        });
        for (let i = 0; i < records.length; i += BATCH) {
          const chunk = records.slice(i, i + BATCH);
          const saved = (await call(tenant, 'collections.update', (c) => c.sobject(type).update(chunk as never, { allOrNone: false }))) as SaveResult[];
          saved.forEach((s, j) => results.set(mine[i + j]!, itemResult(s)));
        }
      }
      return updates.map((u) => results.get(u)!);
    },

    async createTasks(tenant, tasks) {
      const out: ItemResult[] = [];
      for (let i = 0; i < tasks.length; i += BATCH) {
        const chunk = tasks.slice(i, i + BATCH);
        const saved = (await call(tenant, 'collections.create', (c) => c.sobject('Task').create(chunk.map(taskRecord) as never, { allOrNone: false }))) as SaveResult[];
        out.push(...saved.map(itemResult));
      }
      return out;
    },

    async readTaskStatuses(tenant, taskIds) {
      // By id through sObject Collections (one call per 200), never a SOQL query per task.
      const tasks = await readFields(tenant, 'Task', taskIds, ['Status', 'IsClosed']);
      return new Map([...tasks].map(([id, r]) => [id, { completed: r.IsClosed === true || r.Status === 'Completed' }]));
    },

    async listProperties(tenant, objectType) {
      const d = (await call(tenant, 'describe', (c) => c.sobject(sobjectOf(objectType)).describe())) as { fields: Array<{ name: string; label: string; type: string; updateable?: boolean; calculated?: boolean }> };
      const kind = (t: string) => (['double', 'int', 'currency', 'percent'].includes(t) ? 'number' : t === 'boolean' ? 'bool' : t === 'datetime' || t === 'date' ? 'datetime' : 'text') as 'number' | 'text' | 'bool' | 'datetime';
      return d.fields.map((f) => ({ name: f.name, label: f.label, type: kind(f.type), writable: f.updateable !== false && !f.calculated }));
    },

    mappedObjects: [{ objectType: 'lead', label: 'Leads' }, { objectType: 'contact', label: 'Contacts' }],
    fieldMapping(settings, objectType) {
      const { profile, outputs, stages } = salesforceFields(settings, sobjectOf(objectType));
      return { profile, outputs, stages };
    },
    withFieldMapping: (settings, objectType, patch) => withSalesforceFields(settings, sobjectOf(objectType), patch),

    async listStageValues(tenant, objectType) {
      const type = sobjectOf(objectType);
      const field = salesforceFields(tenant.settings as Record<string, unknown>, type).outputs.stage;
      const d = (await call(tenant, 'describe', (c) => c.sobject(type).describe())) as { fields: Array<{ name: string; type: string; picklistValues?: Array<{ value: string; label: string; active: boolean }> }> };
      const f = d.fields.find((x) => x.name === field);
      return f?.type === 'picklist' ? (f.picklistValues ?? []).filter((v) => v.active).map((v) => ({ value: v.value, label: v.label })) : null;
    },

    async listNurtureTargets(tenant) {
      const campaigns = (await call(tenant, 'query', async (c) => (await c.sobject('Campaign').find({ IsActive: true }, ['Id', 'Name'])) as unknown)) as Array<{ Id: string; Name: string }>;
      // Sales Engagement's cadences exist only in orgs that have it; elsewhere the object is unknown.
      const cadences = await call(tenant, 'query', async (c) => (await c.sobject('ActionCadence').find({ State: 'Active' }, ['Id', 'Name', 'OwnerId'])) as unknown).catch((err: unknown) => {
        if (err instanceof PermanentCrmError && /INVALID_TYPE|NOT_FOUND/.test(err.message)) return [];
        throw err;
      }) as Array<{ Id: string; Name: string; OwnerId: string }>;
      return [
        ...cadences.map((x): NurtureTarget => ({ id: `cadence:${x.Id}`, label: x.Name, kind: 'cadence', detail: { cadenceId: x.Id, userId: x.OwnerId } })),
        ...campaigns.map((x): NurtureTarget => ({ id: `campaign:${x.Id}`, label: x.Name, kind: 'campaign', detail: { campaignId: x.Id } })),
      ];
    },

    async listOwners(tenant) {
      const users = (await call(tenant, 'query', async (c) => (await c.sobject('User').find({ IsActive: true }, ['Id', 'Name'])) as unknown)) as Array<{ Id: string; Name: string }>;
      return users.map((u) => ({ id: u.Id, label: u.Name }));
    },

    trackTargets(settings) {
      const cadences = trackCadenceSchema.safeParse(settings.cadences ?? {});
      const campaigns = trackCampaignSchema.safeParse(settings.campaigns ?? {});
      return {
        ...Object.fromEntries(Object.entries(campaigns.success ? campaigns.data : {}).map(([t, c]) => [t, `campaign:${c.campaignId}`])),
        ...Object.fromEntries(Object.entries(cadences.success ? cadences.data : {}).map(([t, c]) => [t, `cadence:${c.cadenceId}`])),
      };
    },

    withTrackTargets(settings, targets) {
      const cadences: Record<string, unknown> = { ...(settings.cadences as object | undefined) };
      const campaigns: Record<string, unknown> = { ...(settings.campaigns as object | undefined) };
      // A track goes to one place: a cadence where mapped, else a campaign (enroll prefers the cadence).
      for (const [track, target] of Object.entries(targets)) {
        delete cadences[track];
        delete campaigns[track];
        if (target?.kind === 'cadence') cadences[track] = { cadenceId: target.detail?.cadenceId ?? '', userId: target.detail?.userId ?? '' };
        if (target?.kind === 'campaign') campaigns[track] = { campaignId: target.detail?.campaignId ?? '' };
      }
      return { ...settings, cadences, campaigns };
    },

    async findTask(tenant, t) {
      // jsforce builds and escapes the SOQL from the conditions; nothing is interpolated by hand.
      // The subject as it was stored (cut to Salesforce's cap), or a long one would never be found.
      const found = (await call(tenant, 'query', async (c) => (await c.sobject('Task').find({ WhoId: t.contactId, Subject: taskSubject(t) }, ['Id']).limit(1)) as unknown)) as Array<{ Id: string }>;
      return found[0]?.Id;
    },

    async enroll(tenant, objectType, contactId, track) {
      // Sales Engagement, where the org has it: the standard invocable action assigns the target to the
      // track's cadence. Campaign membership is the stand-in everywhere else.
      const cadences = trackCadenceSchema.safeParse((tenant.settings as Record<string, unknown>)?.cadences ?? {});
      const cadence = cadences.success ? cadences.data[track] : undefined;
      if (cadence) {
        const r = await invoke(tenant, 'assignTargetToSalesCadence', { salesCadenceNameOrId: cadence.cadenceId, targetId: contactId, userId: cadence.userId });
        return r?.isSuccess ? { ok: true, detail: { cadence: cadence.cadenceId } } : { ok: false, permanent: true, error: `${r?.errors?.[0]?.statusCode ?? 'ERROR'}: ${r?.errors?.[0]?.message ?? 'cadence assignment refused'}` };
      }
      const mapping = trackCampaignSchema.safeParse((tenant.settings as Record<string, unknown>)?.campaigns ?? {});
      const campaign = mapping.success ? mapping.data[track] : undefined;
      if (!campaign) return { ok: true, detail: { skipped: `no campaign mapped to the ${track} track` } };
      const saved = (await call(tenant, 'collections.create', (c) => c.sobject('CampaignMember').create([{ CampaignId: campaign.campaignId, [objectType === 'lead' ? 'LeadId' : 'ContactId']: contactId, Status: 'Sent' }] as never, { allOrNone: false }))) as SaveResult[];
      const r = itemResult(saved[0]!);
      if (!r.ok && /DUPLICATE_VALUE|already a campaign member/i.test(r.error)) return { ok: true, detail: { skipped: 'already a member of the campaign' } };
      return r;
    },

    async unenroll(tenant, objectType, contactId, track) {
      const cadences = trackCadenceSchema.safeParse((tenant.settings as Record<string, unknown>)?.cadences ?? {});
      const cadence = cadences.success ? cadences.data[track] : undefined;
      if (cadence) {
        // Sales Engagement's standard action ends the target's tracker; one not in the cadence is no failure.
        const r = await invoke(tenant, 'removeTargetFromSalesCadence', { targetId: contactId, completionReasonCode: 'ManuallyRemoved' });
        if (r?.isSuccess) return { ok: true, detail: { cadence: cadence.cadenceId } };
        if (/not.*(assigned|active)|no active/i.test(r?.errors?.[0]?.message ?? '')) return { ok: true, detail: { skipped: 'not in the cadence' } };
        return { ok: false, permanent: true, error: `${r?.errors?.[0]?.statusCode ?? 'ERROR'}: ${r?.errors?.[0]?.message ?? 'cadence removal refused'}` };
      }
      const mapping = trackCampaignSchema.safeParse((tenant.settings as Record<string, unknown>)?.campaigns ?? {});
      const campaign = mapping.success ? mapping.data[track] : undefined;
      if (!campaign) return { ok: true, detail: { skipped: `no campaign mapped to the ${track} track` } };
      const members = (await call(tenant, 'query', async (c) => (await c.sobject('CampaignMember').find({ CampaignId: campaign.campaignId, [objectType === 'lead' ? 'LeadId' : 'ContactId']: contactId }, ['Id'])) as unknown)) as Array<{ Id: string }>;
      if (members.length === 0) return { ok: true, detail: { skipped: 'not a member' } };
      // Campaign membership has no "removed" status everywhere: the member's status says it left.
      const saved = (await call(tenant, 'collections.update', (c) => c.sobject('CampaignMember').update(members.map((m) => ({ Id: m.Id, Status: 'Removed' })) as never, { allOrNone: false }))) as SaveResult[];
      return itemResult(saved[0]!);
    },
  };
}

/** The subject cut to Salesforce's cap, never through a surrogate pair (which would store a broken character). */
function taskSubject(t: TaskInput): string {
  const cut = t.task.subject.slice(0, SUBJECT_MAX);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

function taskRecord(t: TaskInput) {
  const priority = { HIGH: 'High', MEDIUM: 'Normal', LOW: 'Low' }[t.task.priority];
  return { WhoId: t.contactId, Subject: taskSubject(t), Description: t.task.body.slice(0, 32_000), ActivityDate: t.task.dueAt.slice(0, 10), Priority: priority, Status: 'Not Started', ...(t.task.ownerId ? { OwnerId: t.task.ownerId } : {}) };
}

function itemResult(s: SaveResult): ItemResult {
  if (s.success) return { ok: true, ...(s.id ? { id: s.id } : {}) };
  const e = s.errors[0];
  const code = e?.statusCode ?? e?.errorCode ?? 'ERROR';
  // A lock can also surface wrapped, as the Flow's failure (CANNOT_EXECUTE_FLOW_TRIGGER … UNABLE_TO_LOCK_ROW).
  const transient = TRANSIENT_CODES.test(code) || /\bUNABLE_TO_LOCK_ROW\b/.test(e?.message ?? '');
  return { ok: false, permanent: !transient, error: `${code}: ${e?.message ?? 'record refused'}` };
}

function classify(err: unknown): Error {
  if (err instanceof TokenRevoked || err instanceof RateLimited) return err;
  const e = err as { errorCode?: string; name?: string; message?: string };
  const code = e.errorCode ?? e.name ?? '';
  if (code === 'REQUEST_LIMIT_EXCEEDED') return new RateLimited(LIMIT_PAUSE_MS, `Salesforce daily API allocation exhausted: ${e.message}`);
  if (code === 'invalid_grant') return new TokenRevoked('Salesforce rejected the refresh token; reconnect Kindling');
  if (/^(ECONN|ETIMEDOUT|ENOTFOUND|EPIPE)|ERROR_HTTP_5\d\d/.test(code) || TRANSIENT_CODES.test(code) || /socket hang up|fetch failed/i.test(e.message ?? '')) return new TransientCrmError(`Salesforce: ${e.message}`);
  return new PermanentCrmError(`${code}: ${e.message}`);
}
