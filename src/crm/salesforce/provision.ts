import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection } from 'jsforce';
import { z } from 'zod';
import type { Logger } from '../../log';
import { SALESFORCE_API_VERSION } from './oauth';

const defsSchema = z.object({
  objects: z.array(z.enum(['Lead', 'Contact'])),
  fields: z.array(z.object({ name: z.string().regex(/^Kindling_\w+__c$/), label: z.string(), type: z.string(), only: z.enum(['Lead', 'Contact']).optional() }).passthrough()),
});

/** The Metadata API reads and creates at most 10 components per call. */
const METADATA_BATCH = 10;

/** The permission set that lets Kindling's integration user read and write its own fields. */
const PERMISSION_SET = 'Kindling_Integration';

/**
 * Creates Kindling's custom fields on Lead and Contact through the Metadata API (jsforce), only those
 * missing: safe on every install. Reads first, in batches of ten, then creates what is absent. A field
 * created so is visible to no one until field-level security grants it, so the installing user is then
 * given a permission set that grants every Kindling field (`grantFieldAccess`).
 */
export async function provisionSalesforce(instanceUrl: string, accessToken: string, userId: string, log: Logger): Promise<{ created: string[] }> {
  const defs = defsSchema.parse(JSON.parse(readFileSync(join(__dirname, '../../../mappings/salesforce/fields-provisioned.json'), 'utf8')));
  const conn = new Connection({ instanceUrl, accessToken, version: SALESFORCE_API_VERSION });
  const wanted = defs.objects.flatMap((o) => defs.fields.filter((f) => !f.only || f.only === o).map(({ only: _only, name, ...f }) => ({ ...f, fullName: `${o}.${name}` })));
  const existing = new Set<string>();
  for (let i = 0; i < wanted.length; i += METADATA_BATCH) {
    const names = wanted.slice(i, i + METADATA_BATCH).map((f) => f.fullName);
    const read = (await conn.metadata.read('CustomField', names)) as unknown as Array<{ fullName?: string } | null>;
    for (const r of read) if (r?.fullName) existing.add(r.fullName);
  }
  const missing = wanted.filter((f) => !existing.has(f.fullName));
  const created: string[] = [];
  for (let i = 0; i < missing.length; i += METADATA_BATCH) {
    const chunk = missing.slice(i, i + METADATA_BATCH);
    const results = (await conn.metadata.create('CustomField', chunk as never)) as unknown as Array<{ fullName: string; success: boolean | string; errors?: { message: string } }>;
    for (const r of [results].flat()) {
      if (String(r.success) === 'true') created.push(r.fullName);
      else log.warn('salesforce.provision_failed', { field: r.fullName, error: r.errors?.message });
    }
  }
  // Access only to fields that exist: one whose creation failed would fail the whole grant with it.
  const granted = await grantFieldAccess(conn, [...existing, ...created], userId);
  log.info('salesforce.provisioned', { created: created.length, granted });
  return { created };
}

/**
 * Read and edit on each of Kindling's fields, through a permission set of its own (found or created),
 * assigned to the user Kindling acts as. Only what is missing is created: safe on every install.
 * Returns how many field permissions it added.
 */
async function grantFieldAccess(conn: Connection, fields: string[], userId: string): Promise<number> {
  const found = await conn.query<{ Id: string }>(`SELECT Id FROM PermissionSet WHERE Name = '${PERMISSION_SET}'`);
  const permissionSetId = found.records[0]?.Id ?? (await createOne(conn, 'PermissionSet', { Name: PERMISSION_SET, Label: 'Kindling integration', Description: 'Read and edit Kindling fields (score, grade, track, reasons).' }));
  const have = new Set((await conn.query<{ Field: string }>(`SELECT Field FROM FieldPermissions WHERE ParentId = '${permissionSetId}'`)).records.map((r) => r.Field));
  const missing = fields.filter((f) => !have.has(f));
  for (let i = 0; i < missing.length; i += 200) {
    const results = await conn.sobject('FieldPermissions').create(missing.slice(i, i + 200).map((f) => ({ ParentId: permissionSetId, SobjectType: f.split('.')[0], Field: f, PermissionsRead: true, PermissionsEdit: true })), { allOrNone: true });
    const failed = [results].flat().find((r) => !r.success);
    if (failed) throw new Error(`could not grant field access: ${JSON.stringify(failed.errors)}`);
  }
  const assigned = await conn.query(`SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId = '${permissionSetId}' AND AssigneeId = '${userId}'`);
  if (assigned.totalSize === 0) await createOne(conn, 'PermissionSetAssignment', { PermissionSetId: permissionSetId, AssigneeId: userId });
  return missing.length;
}

async function createOne(conn: Connection, type: string, record: Record<string, unknown>): Promise<string> {
  const [result] = [await conn.sobject(type).create([record], { allOrNone: true })].flat();
  if (!result?.success || !result.id) throw new Error(`could not create ${type}: ${JSON.stringify(result?.errors)}`);
  return result.id;
}
