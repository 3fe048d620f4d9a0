import { Router } from 'express';
import type { HubRecord, Portal } from '../state';
import { hubspotError, validationError } from './errors';
import { batchCreateSchema, batchReadSchema, batchResponseSchema, batchUpdateSchema, propertyCreateSchema, propertyGroupCreateSchema, propertyListSchema, searchSchema } from './schemas';

const STAGES = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist'];
const OBJECTS = { contacts: 'contacts', tasks: 'tasks' } as const;
type ObjectName = keyof typeof OBJECTS;

const portalOf = (res: { locals: Record<string, unknown> }) => res.locals.portal as Portal;
const iso = () => new Date().toISOString();
const view = (rec: HubRecord, props?: string[]) => ({
  id: rec.id,
  properties: props ? Object.fromEntries(props.map((p) => [p, rec.properties[p] ?? null])) : rec.properties,
  createdAt: rec.createdAt,
  updatedAt: rec.updatedAt,
  archived: false,
});

export interface CrmRouteHooks {
  /** Called for each property a write changed: lets the sandbox echo it back as a webhook, like HubSpot. */
  onPropertyChange?: (portal: Portal, objectId: string, property: string, value: string) => void;
}

/** CRM objects (contacts, tasks), properties and property groups, as HubSpot's v3 APIs answer them. */
export function hubspotCrmRoutes(hooks: CrmRouteHooks = {}): Router {
  const r = Router();
  const records = (res: { locals: Record<string, unknown> }, object: string) => {
    const p = portalOf(res);
    return object === 'contacts' ? p.contacts : object === 'tasks' ? p.tasks : undefined;
  };

  r.post('/crm/v3/objects/:object/batch/read', (req, res) => {
    const store = records(res, req.params.object);
    if (!store) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', `unknown object type ${req.params.object}`);
    const parsed = batchReadSchema.safeParse(req.body);
    if (!parsed.success) return validationError(res, parsed.error);
    const found = parsed.data.inputs.map((i) => store.get(i.id)).filter((x): x is HubRecord => !!x);
    const missing = parsed.data.inputs.filter((i) => !store.has(i.id)).map((i) => i.id);
    batchAnswer(res, found.map((rec) => view(rec, parsed.data.properties)), missing);
  });

  r.post('/crm/v3/objects/:object/batch/update', (req, res) => {
    const object = req.params.object as ObjectName;
    const store = records(res, object);
    if (!store) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', `unknown object type ${object}`);
    const parsed = batchUpdateSchema.safeParse(req.body);
    if (!parsed.success) return validationError(res, parsed.error);
    const known = portalOf(res).properties.get(object)!;
    const unknown = parsed.data.inputs.flatMap((i) => Object.keys(i.properties)).filter((p) => !known.has(p));
    if (unknown.length > 0) {
      return hubspotError(res, 400, 'VALIDATION_ERROR', `Property values were not valid: ${[...new Set(unknown)].map((p) => `Property "${p}" does not exist`).join(', ')}`, unknown.map((p) => ({ message: `Property "${p}" does not exist`, code: 'PROPERTY_DOESNT_EXIST' })));
    }
    const results = [];
    const missing: string[] = [];
    for (const input of parsed.data.inputs) {
      const rec = store.get(input.id);
      if (!rec) {
        missing.push(input.id);
        continue;
      }
      for (const [k, v] of Object.entries(input.properties)) {
        // HubSpot ignores a lifecycle stage set backwards (it must be cleared first).
        if (k === 'lifecyclestage' && v && rec.properties[k] && STAGES.indexOf(v) < STAGES.indexOf(rec.properties[k]!)) continue;
        if (rec.properties[k] === v) continue;
        rec.properties[k] = v;
        hooks.onPropertyChange?.(portalOf(res), rec.id, k, v);
      }
      rec.updatedAt = iso();
      results.push(view(rec));
    }
    batchAnswer(res, results, missing);
  });

  r.post('/crm/v3/objects/:object/batch/create', (req, res) => {
    const object = req.params.object as ObjectName;
    const store = records(res, object);
    if (!store) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', `unknown object type ${object}`);
    const parsed = batchCreateSchema.safeParse(req.body);
    if (!parsed.success) return validationError(res, parsed.error);
    const p = portalOf(res);
    const known = p.properties.get(object)!;
    for (const input of parsed.data.inputs) {
      const bad = Object.keys(input.properties).filter((k) => !known.has(k));
      if (bad.length > 0) return hubspotError(res, 400, 'VALIDATION_ERROR', `Property values were not valid: ${bad.map((k) => `Property "${k}" does not exist`).join(', ')}`);
      if (object === 'tasks' && !input.properties.hs_timestamp) return hubspotError(res, 400, 'VALIDATION_ERROR', 'Property values were not valid: hs_timestamp is required for tasks');
      for (const a of input.associations) if (!p.contacts.has(a.to.id)) return hubspotError(res, 400, 'VALIDATION_ERROR', `One or more associations are invalid: contact ${a.to.id} not found`);
    }
    const created = parsed.data.inputs.map((input) => {
      const rec: HubRecord = { id: String(p.nextId++), properties: { ...input.properties }, createdAt: iso(), updatedAt: iso(), associations: input.associations.map((a) => ({ toId: a.to.id, typeId: a.types[0]!.associationTypeId })) };
      store.set(rec.id, rec);
      return { ...view(rec), ...(input.objectWriteTraceId ? { objectWriteTraceId: input.objectWriteTraceId } : {}) };
    });
    // HubSpot does not promise input order in a batch answer: the sandbox reverses it, so a client that
    // pairs results with inputs by position is caught.
    res.status(201).json(batchResponseSchema.parse({ status: 'COMPLETE', results: created.reverse(), startedAt: iso(), completedAt: iso() }));
  });

  r.get('/crm/v3/objects/:object/:id', (req, res) => {
    const rec = records(res, req.params.object)?.get(req.params.id);
    if (!rec) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', 'Object not found');
    const props = typeof req.query.properties === 'string' ? req.query.properties.split(',') : undefined;
    res.json(view(rec, props));
  });

  r.patch('/crm/v3/objects/:object/:id', (req, res) => {
    const rec = records(res, req.params.object)?.get(req.params.id);
    if (!rec) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', 'Object not found');
    const parsed = batchUpdateSchema.shape.inputs.element.pick({ properties: true }).safeParse(req.body);
    if (!parsed.success) return validationError(res, parsed.error);
    const known = portalOf(res).properties.get(req.params.object)!;
    const unknown = Object.keys(parsed.data.properties).filter((p) => !known.has(p));
    if (unknown.length > 0) return hubspotError(res, 400, 'VALIDATION_ERROR', `Property values were not valid: ${unknown.map((p) => `Property "${p}" does not exist`).join(', ')}`);
    Object.assign(rec.properties, parsed.data.properties);
    rec.updatedAt = iso();
    res.json(view(rec));
  });

  r.post('/crm/v3/objects/:object/search', (req, res) => {
    const store = records(res, req.params.object);
    if (!store) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', 'unknown object type');
    const parsed = searchSchema.safeParse(req.body);
    if (!parsed.success) return validationError(res, parsed.error);
    const matches = [...store.values()].filter((rec) =>
      parsed.data.filterGroups.length === 0 ||
      parsed.data.filterGroups.some((g) => g.filters.every((f) => {
        const v = rec.properties[f.propertyName] ?? '';
        if (f.operator === 'EQ') return v.toLowerCase() === (f.value ?? '').toLowerCase();
        if (f.operator === 'IN') return (f.values ?? []).includes(v);
        if (f.operator === 'HAS_PROPERTY') return v !== '';
        if (f.operator === 'CONTAINS_TOKEN') return v.toLowerCase().includes((f.value ?? '').replace(/\*/g, '').toLowerCase());
        return false;
      })),
    );
    const limit = parsed.data.limit ?? 10;
    const start = Number(parsed.data.after ?? 0);
    res.json({ total: matches.length, results: matches.slice(start, start + limit).map((m) => view(m, parsed.data.properties)), ...(start + limit < matches.length ? { paging: { next: { after: String(start + limit) } } } : {}) });
  });

  r.get('/crm/v3/properties/:object', (req, res) => {
    const props = portalOf(res).properties.get(req.params.object);
    if (!props) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', 'unknown object type');
    res.json(propertyListSchema.parse({ results: [...props.values()].map(({ calculated, ...p }) => ({ description: '', options: [], ...p, calculated: !!calculated, modificationMetadata: { archivable: !p.hubspotDefined, readOnlyDefinition: !!p.hubspotDefined, readOnlyValue: !!calculated } })) }));
  });

  r.post('/crm/v3/properties/:object', (req, res) => {
    const props = portalOf(res).properties.get(req.params.object);
    const groups = portalOf(res).groups.get(req.params.object);
    if (!props || !groups) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', 'unknown object type');
    const parsed = propertyCreateSchema.safeParse(req.body);
    if (!parsed.success) return validationError(res, parsed.error);
    if (props.has(parsed.data.name)) return hubspotError(res, 409, 'OBJECT_ALREADY_EXISTS', `A property named '${parsed.data.name}' already exists.`);
    if (!groups.has(parsed.data.groupName)) return hubspotError(res, 400, 'VALIDATION_ERROR', `property group ${parsed.data.groupName} does not exist`);
    props.set(parsed.data.name, { ...parsed.data, hubspotDefined: false });
    res.status(201).json({ ...parsed.data, options: parsed.data.options ?? [], description: parsed.data.description ?? '' });
  });

  r.get('/crm/v3/properties/:object/groups', (req, res) => {
    const groups = portalOf(res).groups.get(req.params.object);
    if (!groups) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', 'unknown object type');
    res.json({ results: [...groups.values()].map((g) => ({ ...g, displayOrder: -1, archived: false })) });
  });

  // After `/groups`, so that a property cannot shadow the group list.
  r.get('/crm/v3/properties/:object/:name', (req, res) => {
    const p = portalOf(res).properties.get(req.params.object)?.get(req.params.name);
    if (!p) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', `property ${req.params.name} does not exist`);
    res.json({ description: '', options: [], ...p });
  });

  r.post('/crm/v3/properties/:object/groups', (req, res) => {
    const groups = portalOf(res).groups.get(req.params.object);
    if (!groups) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', 'unknown object type');
    const parsed = propertyGroupCreateSchema.safeParse(req.body);
    if (!parsed.success) return validationError(res, parsed.error);
    if (groups.has(parsed.data.name)) return hubspotError(res, 409, 'OBJECT_ALREADY_EXISTS', `A group named '${parsed.data.name}' already exists.`);
    groups.set(parsed.data.name, { name: parsed.data.name, label: parsed.data.label });
    res.status(201).json({ ...parsed.data, displayOrder: parsed.data.displayOrder ?? -1, archived: false });
  });

  // Events API: Enterprise accounts only; the sandbox portal answers as a Professional one unless told otherwise.
  r.get('/events/v3/events', (req, res) => {
    const p = portalOf(res);
    if (!p.enterprise) return hubspotError(res, 403, 'FORBIDDEN', 'This API requires a Marketing, Sales, Service or Content Hub Enterprise subscription.');
    const q = req.query as Record<string, string>;
    const results = p.events.filter((e) => e.objectId === q.objectId && e.eventType === q.eventType && (!q.occurredAfter || e.occurredAt > q.occurredAfter));
    res.json({ results });
  });

  r.get('/crm/v3/owners', (_req, res) => {
    res.json({ results: portalOf(res).users.map((u) => ({ id: String(u.id), userId: u.id, email: u.email, firstName: 'Sam', lastName: 'Rep', archived: false })) });
  });
  return r;
}

/** 200 when every input succeeded; 207 with `errors` when some did not (HubSpot's multi-status). */
function batchAnswer(res: import('express').Response, results: unknown[], missing: string[]): void {
  const body = { status: 'COMPLETE', results, startedAt: iso(), completedAt: iso() };
  if (missing.length === 0) {
    res.status(200).json(batchResponseSchema.parse(body));
    return;
  }
  res.status(207).json(batchResponseSchema.parse({
    ...body,
    numErrors: missing.length,
    errors: missing.map((id) => ({ status: 'error', category: 'OBJECT_NOT_FOUND', message: `Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.`, context: { ids: [id] }, errors: [], links: {} })),
  }));
}
