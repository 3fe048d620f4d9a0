import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { loadSalesforceEventMapping, mapOutbound, notificationsSchema, parseOutboundXml } from '../../src/crm/salesforce/map-outbound';
import { outboundEnvelope } from '../../scripts/sandbox/salesforce/outbound';

// What an admin deploys (webhooks/salesforce/) must send every field Kindling's mapping reads, for every
// object it maps, and fire only on changes Kindling cares about: never on its own Kindling_* write-back.
const KIT = join(__dirname, '../../webhooks/salesforce');
const SRC = join(KIT, 'force-app/main/default');
const xml = new XMLParser({ isArray: (name) => ['fields', 'outboundMessages', 'actionCalls'].includes(name) });
const read = (path: string) => xml.parse(readFileSync(path, 'utf8'));
const mapping = loadSalesforceEventMapping();
/** Account Engagement's fields exist only where it is installed, so the kit cannot ship them. */
const OPTIONAL = /^pi__/;

const messages = readdirSync(join(SRC, 'workflows')).flatMap((f) => (read(join(SRC, 'workflows', f)).Workflow.outboundMessages as Array<{ fullName: string; fields: string[] }>).map((m) => ({ object: f.replace('.workflow-meta.xml', ''), ...m })));
const flows = readdirSync(join(SRC, 'flows')).map((f) => read(join(SRC, 'flows', f)).Flow as { status: string; start: { object: string; triggerType: string; recordTriggerType: string; filterFormula?: string }; actionCalls: Array<{ actionName: string; actionType: string }> });

describe('the Salesforce deploy kit', () => {
  it('is a Salesforce DX project whose package is force-app', () => {
    const project = JSON.parse(readFileSync(join(KIT, 'sfdx-project.json'), 'utf8')) as { packageDirectories: Array<{ path: string }> };
    expect(project.packageDirectories.map((d) => d.path)).toEqual(['force-app']);
  });

  it.each(Object.keys(mapping.objects))('sends every field the mapping reads on %s, from a flow that fires after save', (object) => {
    const spec = mapping.objects[object]!;
    const who = 'whoField' in spec.contact ? [spec.contact.whoField] : [spec.contact.idField, spec.contact.orIdField];
    const read = [...who, ...spec.profileFields, ...spec.rules.flatMap((r) => [r.field, r.at, ...Object.values(r.attrs ?? {})])].filter((f): f is string => !!f && !OPTIONAL.test(f));
    const message = messages.find((m) => m.object === object);
    expect(message).toBeDefined();
    expect(message!.fields).toEqual(expect.arrayContaining([...new Set(read)]));
    const flow = flows.find((f) => f.start.object === object);
    expect(flow).toMatchObject({ status: 'Active', start: { triggerType: 'RecordAfterSave', recordTriggerType: 'CreateAndUpdate' } });
    expect(flow!.actionCalls).toEqual([expect.objectContaining({ actionType: 'outboundMessage', actionName: `${object}.${message!.fullName}` })]);
    // Fires on creation and on a change of a field the message carries, never on Kindling's own fields.
    const watched = [...flow!.start.filterFormula!.matchAll(/ISCHANGED\(\{!\$Record\.(\w+)\}\)/g)].map((m) => m[1]);
    expect(flow!.start.filterFormula).toContain('ISNEW()');
    expect(watched.length).toBeGreaterThan(0);
    for (const f of watched) expect(message!.fields).toContain(f);
    expect(watched.some((f) => f!.startsWith('Kindling_'))).toBe(false);
  });

  it('gives each campaign member its campaign\'s name, which the mapping turns into the form or webinar', () => {
    const field = read(join(SRC, 'objects/CampaignMember/fields/Campaign_Name__c.field-meta.xml')).CustomField as { formula: string; type: string };
    expect(field).toMatchObject({ formula: 'Campaign.Name', type: 'Text' });
    // A message with exactly the kit's fields becomes the event the mapping promises.
    const fields = messages.find((m) => m.object === 'CampaignMember')!.fields;
    const values: Record<string, string> = { Id: '00v000000000001AAA', LeadId: '00Q000000000101AAA', ContactId: '', CampaignId: '701000000000009AAA', Status: 'Responded', Campaign_Name__c: 'Request a demo' };
    const envelope = outboundEnvelope({ orgId: '00D000000000001EAA', actionId: '04k000000000001AAA', enterpriseUrl: 'https://example.my.salesforce.com', notifications: [{ id: '04l000000000001AAA', type: 'CampaignMember', fields: Object.fromEntries(fields.map((f) => [f, values[f] ?? null])) }] });
    const items = mapOutbound(notificationsSchema.parse(parseOutboundXml(envelope)), mapping, new Date('2026-05-04T12:00:00Z'));
    expect(items).toMatchObject([{ kind: 'event', contact: { objectType: 'lead', id: '00Q000000000101AAA' }, event: { type: 'form_submitted', attrs: { formName: 'Request a demo' } } }]);
  });
});
