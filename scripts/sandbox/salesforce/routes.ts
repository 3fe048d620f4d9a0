import { createHash } from 'node:crypto';
import express, { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { token } from '../state';
import { parseSoql, SoqlError } from './soql';
import { describeField, mayEdit, newOrg, type SfOrg, type SfRecord, sfId } from './state';
import { metadataRoutes } from './metadata';

export interface SfApp {
  clientId: string;
  clientSecret: string;
}

interface SfTokens {
  codes: Map<string, { orgId: string; redirectUri: string; challenge?: string; used: boolean }>;
  access: Map<string, { orgId: string; expiresAt: number }>;
  refresh: Map<string, { orgId: string; revoked: boolean }>;
}

/** Read-only fields Salesforce computes: a Task is closed once its status is a closed one. */
const DERIVED: Record<string, Record<string, (rec: SfRecord) => unknown>> = {
  Task: { IsClosed: (rec) => rec.Status === 'Completed' },
};

/** Salesforce's REST error body: an array of `{message, errorCode, fields?}`. */
const sfError = (res: Response, status: number, errorCode: string, message: string, fields?: string[]) => res.status(status).json([{ message, errorCode, ...(fields ? { fields } : {}) }]);

const collectionSchema = z.object({
  allOrNone: z.boolean().optional(),
  records: z.array(z.object({ attributes: z.object({ type: z.string() }) }).passthrough()).min(1).max(200),
});

/**
 * The Salesforce org side of the sandbox: the OAuth web-server flow with PKCE, identity, sObjects,
 * sObject Collections (200 records, per-record results), a SOQL subset, describe and limits, with the
 * daily API allocation reported in `Sforce-Limit-Info` and enforced with REQUEST_LIMIT_EXCEEDED.
 */
export function salesforceRoutes(opts: { app: SfApp; orgId: string; apiLimit: number; accessTokenTtlSeconds: number; baseUrl: () => string }): { router: Router; org: SfOrg; revokeAll(): void; expireAccessTokens(): void } {
  const org = newOrg(opts.orgId, opts.apiLimit);
  const tokens: SfTokens = { codes: new Map(), access: new Map(), refresh: new Map() };
  const r = Router();

  r.get('/services/oauth2/authorize', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    if (q.client_id !== opts.app.clientId || !q.redirect_uri || q.response_type !== 'code') {
      res.status(400).send('error=invalid_client_id');
      return;
    }
    const code = token('sfcode');
    tokens.codes.set(code, { orgId: org.orgId, redirectUri: q.redirect_uri, ...(q.code_challenge ? { challenge: q.code_challenge } : {}), used: false });
    const target = new URL(q.redirect_uri);
    target.searchParams.set('code', code);
    if (q.state) target.searchParams.set('state', q.state);
    res.redirect(302, target.toString());
  });

  r.post('/services/oauth2/token', express.urlencoded({ extended: false }), (req, res) => {
    const b = req.body as Record<string, string | undefined>;
    const fail = (error: string, description: string) => res.status(400).json({ error, error_description: description });
    if (b.client_id !== opts.app.clientId || b.client_secret !== opts.app.clientSecret) return fail('invalid_client', 'invalid client credentials');
    let orgId: string;
    let refreshToken: string | undefined;
    if (b.grant_type === 'authorization_code') {
      const code = tokens.codes.get(b.code ?? '');
      if (!code || code.used || code.redirectUri !== b.redirect_uri) return fail('invalid_grant', 'invalid authorization code');
      if (code.challenge) {
        const expected = createHash('sha256').update(b.code_verifier ?? '').digest('base64url');
        if (expected !== code.challenge) return fail('invalid_grant', 'invalid code verifier');
      }
      code.used = true;
      orgId = code.orgId;
      refreshToken = token('sfrt');
      tokens.refresh.set(refreshToken, { orgId, revoked: false });
    } else if (b.grant_type === 'refresh_token') {
      const rt = tokens.refresh.get(b.refresh_token ?? '');
      if (!rt || rt.revoked) return fail('invalid_grant', 'expired access/refresh token');
      orgId = rt.orgId;
    } else return fail('unsupported_grant_type', 'grant type not supported');
    const access = token('sfat');
    tokens.access.set(access, { orgId, expiresAt: Date.now() + opts.accessTokenTtlSeconds * 1000 });
    const base = opts.baseUrl();
    res.json({ access_token: access, ...(refreshToken ? { refresh_token: refreshToken } : {}), instance_url: base, id: `${base}/id/${orgId}/${org.userId}`, token_type: 'Bearer', issued_at: String(Date.now()), signature: 'sandbox', scope: 'api refresh_token' });
  });

  r.post('/services/oauth2/revoke', express.urlencoded({ extended: false }), (req, res) => {
    const t = tokens.refresh.get(String((req.body as Record<string, string>).token ?? ''));
    if (t) t.revoked = true;
    res.status(200).end();
  });

  const auth = (req: Request, res: Response, next: () => void) => {
    const bearer = (req.header('authorization') ?? '').replace(/^Bearer /, '');
    const t = tokens.access.get(bearer);
    if (!t || t.expiresAt < Date.now()) return sfError(res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    if (org.apiUsed >= org.apiLimit) {
      res.set('Sforce-Limit-Info', `api-usage=${org.apiUsed}/${org.apiLimit}`);
      return sfError(res, 403, 'REQUEST_LIMIT_EXCEEDED', `TotalRequests Limit exceeded.`);
    }
    org.apiUsed++;
    res.set('Sforce-Limit-Info', `api-usage=${org.apiUsed}/${org.apiLimit}`);
    next();
  };

  r.get('/id/:org/:user', auth, (req, res) => {
    res.json({ id: `${opts.baseUrl()}/id/${org.orgId}/${org.userId}`, organization_id: org.orgId, user_id: org.userId, username: 'admin@sandbox-org.example', display_name: 'Sandbox Admin', email: 'admin@sandbox-org.example' });
  });
  r.get('/services/oauth2/userinfo', auth, (_req, res) => {
    res.json({ sub: `${opts.baseUrl()}/id/${org.orgId}/${org.userId}`, organization_id: org.orgId, user_id: org.userId, preferred_username: 'admin@sandbox-org.example', email: 'admin@sandbox-org.example' });
  });

  const api = Router();
  api.use(auth, express.json({ limit: '5mb' }));
  const store = (type: string) => org.objects.get(type);
  /** A field's value as Salesforce returns it: stored, or derived from others (a Task's IsClosed). */
  const read = (type: string, rec: SfRecord, field: string) => DERIVED[type]?.[field]?.(rec) ?? rec[field] ?? null;
  const badFields = (type: string, rec: Record<string, unknown>) => Object.keys(rec).filter((k) => k !== 'attributes' && k !== 'id' && !org.fields.get(type)!.has(k));

  api.get('/limits', (_req, res) => {
    res.json({ DailyApiRequests: { Max: org.apiLimit, Remaining: org.apiLimit - org.apiUsed } });
  });
  api.get('/sobjects/:type/describe', (req, res) => {
    const f = org.fields.get(req.params.type);
    if (!f) return sfError(res, 404, 'NOT_FOUND', `The requested resource does not exist`);
    res.json({ name: req.params.type, fields: [...f].map((name) => describeField(req.params.type, name)) });
  });
  api.post('/composite/sobjects/:type', (req, res) => {
    const s = store(req.params.type);
    if (!s) return sfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
    const { ids, fields } = req.body as { ids: string[]; fields: string[] };
    // As Salesforce does: a field the object does not have fails the whole retrieve.
    const unknown = fields.find((f) => !org.fields.get(req.params.type)!.has(f));
    if (unknown) return sfError(res, 400, 'INVALID_FIELD', `No such column '${unknown}' on entity '${req.params.type}'.`);
    res.json(ids.map((id) => {
      const rec = s.get(id);
      return rec ? { attributes: { type: req.params.type }, ...Object.fromEntries(fields.map((f) => [f, read(req.params.type, rec, f)])) } : null;
    }));
  });
  const collection = (create: boolean) => (req: Request, res: Response) => {
    const parsed = collectionSchema.safeParse(req.body);
    if (!parsed.success) return sfError(res, 400, 'JSON_PARSER_ERROR', parsed.error.issues[0]!.message);
    res.json(parsed.data.records.map((raw) => {
      const rec = raw as Record<string, unknown> & { attributes: { type: string } };
      const type = rec.attributes.type;
      const s = store(type);
      if (!s) return { success: false, errors: [{ statusCode: 'INVALID_TYPE', message: `sObject type '${type}' is not supported.`, fields: [] }] };
      const bad = badFields(type, rec);
      const derived = Object.keys(rec).filter((k) => DERIVED[type]?.[k]);
      // Field-level security: a field the API user has no edit grant on cannot be written, as in Salesforce.
      const locked = Object.keys(rec).filter((k) => k !== 'attributes' && !mayEdit(org, `${type}.${k}`));
      if (locked.length > 0) return { success: false, errors: [{ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', message: `Unable to create/update fields: ${locked.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, fields: locked }] };
      if (derived.length > 0) return { success: false, errors: [{ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', message: `Unable to create/update fields: ${derived.join(', ')}.`, fields: derived }] };
      if (bad.length > 0) return { success: false, errors: [{ statusCode: 'INVALID_FIELD', message: `No such column '${bad[0]}' on sobject of type ${type}`, fields: bad }] };
      const { attributes: _a, id: rid, ...values } = rec;
      if (create) {
        if (type === 'Task' && !values.Subject) return { success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Subject]', fields: ['Subject'] }] };
        const id = sfId(org, type);
        s.set(id, { Id: id, ...values });
        return { id, success: true, errors: [] };
      }
      const existing = s.get(String(rid));
      if (!existing) return { id: rid, success: false, errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }] };
      const locks = org.locked.get(String(rid)) ?? 0;
      if (locks > 0) {
        org.locked.set(String(rid), locks - 1);
        return { id: rid, success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record', fields: [] }] };
      }
      Object.assign(existing, values);
      return { id: rid, success: true, errors: [] };
    }));
  };
  api.post('/composite/sobjects', collection(true));
  api.patch('/composite/sobjects', collection(false));
  api.get('/sobjects/:type/:id', (req, res) => {
    const rec = store(req.params.type)?.get(req.params.id);
    if (!rec) return sfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
    res.json({ attributes: { type: req.params.type }, ...rec });
  });
  api.get('/query', (req, res) => {
    let q;
    try {
      q = parseSoql(String(req.query.q ?? ''));
    } catch (err) {
      return sfError(res, 400, 'MALFORMED_QUERY', (err as SoqlError).message);
    }
    const s = q.object === 'ActionCadence' && !org.salesEngagement ? undefined : store(q.object);
    if (!s) return sfError(res, 400, 'INVALID_TYPE', `sObject type '${q.object}' is not supported.`);
    const rows = [...s.values()].filter((rec: SfRecord) => q.where.every((c) => c.values.some((v) => (v === null ? rec[c.field] == null : String(rec[c.field] ?? '') === v)))).slice(0, q.limit ?? 2000);
    res.json({ totalSize: rows.length, done: true, records: rows.map((rec) => ({ attributes: { type: q.object }, ...Object.fromEntries(q.fields.map((f) => [f, read(q.object, rec, f)])) })) });
  });
  // Composite: up to 25 subrequests in one call, run in order against this same org.
  api.post('/composite', async (req, res) => {
    const body = req.body as { allOrNone?: boolean; compositeRequest?: Array<{ method: string; url: string; referenceId: string; body?: unknown }> };
    const subs = body.compositeRequest ?? [];
    if (subs.length === 0 || subs.length > 25) return sfError(res, 400, 'INVALID_BATCH_REQUEST', 'compositeRequest takes 1 to 25 subrequests');
    const out = [];
    for (const sub of subs) {
      const r = await fetch(`${opts.baseUrl()}${sub.url}`, { method: sub.method, headers: { authorization: req.header('authorization') ?? '', 'content-type': 'application/json' }, ...(sub.body !== undefined ? { body: JSON.stringify(sub.body) } : {}) });
      const text = await r.text();
      out.push({ body: text ? JSON.parse(text) : null, httpHeaders: {}, httpStatusCode: r.status, referenceId: sub.referenceId });
    }
    res.json({ compositeResponse: out });
  });

  // Sales Engagement's standard invocable action; an org without it answers NOT_FOUND like Salesforce.
  api.post('/actions/standard/assignTargetToSalesCadence', (req, res) => {
    if (!org.salesEngagement) return sfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
    const inputs = (req.body as { inputs?: Array<{ salesCadenceNameOrId?: string; targetId?: string }> }).inputs ?? [];
    res.json(inputs.map((i) => {
      const ok = !!i.salesCadenceNameOrId && !!i.targetId;
      if (ok) org.cadenceTargets.push({ cadence: i.salesCadenceNameOrId!, target: i.targetId! });
      return { actionName: 'assignTargetToSalesCadence', isSuccess: ok, errors: ok ? null : [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'salesCadenceNameOrId and targetId are required' }], outputValues: null };
    }));
  });
  api.post('/actions/standard/removeTargetFromSalesCadence', (req, res) => {
    if (!org.salesEngagement) return sfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
    const inputs = (req.body as { inputs?: Array<{ targetId?: string }> }).inputs ?? [];
    res.json(inputs.map((i) => {
      const at = org.cadenceTargets.findIndex((t) => t.target === i.targetId);
      if (at >= 0) org.cadenceTargets.splice(at, 1);
      return { actionName: 'removeTargetFromSalesCadence', isSuccess: at >= 0, errors: at >= 0 ? null : [{ statusCode: 'INVALID_INPUT', message: 'The target is not assigned to an active cadence.' }], outputValues: null };
    }));
  });
  r.use('/services/data/:version', api);
  r.use(metadataRoutes(org, (t) => (tokens.access.get(t)?.expiresAt ?? 0) > Date.now()));

  return {
    router: r,
    org,
    revokeAll() {
      for (const t of tokens.refresh.values()) t.revoked = true;
      tokens.access.clear();
    },
    expireAccessTokens() {
      for (const t of tokens.access.values()) t.expiresAt = 0;
    },
  };
}
