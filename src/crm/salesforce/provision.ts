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

/**
 * Creates Kindling's custom fields on Lead and Contact through the Metadata API (jsforce), only those
 * missing: safe on every install. Reads first, in batches of ten, then creates what is absent.
 */
export async function provisionSalesforce(instanceUrl: string, accessToken: string, log: Logger): Promise<{ created: string[] }> {
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
  log.info('salesforce.provisioned', { created: created.length });
  return { created };
}
