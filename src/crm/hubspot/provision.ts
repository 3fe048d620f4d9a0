import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../../log';
import { hubspotClient } from './sdk';

const definitionSchema = z.object({
  group: z.object({ name: z.string(), label: z.string() }),
  properties: z.array(z.object({ name: z.string().startsWith('kindling_'), label: z.string(), type: z.string(), fieldType: z.string(), description: z.string().optional(), options: z.array(z.object({ label: z.string(), value: z.string() })).optional() })),
});

export function loadPropertyDefinitions(dir = join(__dirname, '../../../mappings')) {
  return definitionSchema.parse(JSON.parse(readFileSync(join(dir, 'hubspot/properties.json'), 'utf8')));
}

/**
 * Creates Kindling's property group and contact properties in a portal, only those missing: safe to run
 * on every install and reinstall. Reads the property list once (not per property).
 */
export async function provisionHubSpot(apiBase: string, accessToken: string, log: Logger): Promise<{ created: string[] }> {
  const defs = loadPropertyDefinitions();
  const client = hubspotClient(apiBase, accessToken);
  const groups = await client.crm.properties.groupsApi.getAll('contacts');
  if (!groups.results.some((g) => g.name === defs.group.name)) {
    await client.crm.properties.groupsApi.create('contacts', { name: defs.group.name, label: defs.group.label });
  }
  const existing = new Set((await client.crm.properties.coreApi.getAll('contacts')).results.map((p) => p.name));
  const created: string[] = [];
  for (const p of defs.properties) {
    if (existing.has(p.name)) continue;
    await client.crm.properties.coreApi.create('contacts', { ...p, groupName: defs.group.name, options: p.options ?? [] } as never);
    created.push(p.name);
  }
  log.info('hubspot.provisioned', { created: created.length });
  return { created };
}
