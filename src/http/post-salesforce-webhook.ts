import express, { type Response, Router } from 'express';
import { loadSalesforceEventMapping, mapOutbound, notificationsSchema, parseOutboundXml } from '../crm/salesforce/map-outbound';
import { outboundTokenMatches } from '../crm/salesforce/outbound-token';
import { recordAndQueue, type ReceiveDeps } from '../ingest/receive';
import { formatZodError } from '../validation';

const ACK = '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>';
const esc = (s: string) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);

/** A SOAP 1.1 fault: HTTP 500 with the reason; Salesforce keeps the message and retries. */
function fault(res: Response, code: 'Client' | 'Server', reason: string): void {
  res.status(500).type('text/xml').send(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:${code}</faultcode><faultstring>${esc(reason)}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`);
}

/**
 * `POST /webhooks/salesforce/:token`: Salesforce Outbound Messages. The envelope is parsed with a
 * maintained XML parser and validated; its org must be an installed tenant and match the path token;
 * its notifications are recorded; only then the SOAP `Ack` goes back.
 */
export function postSalesforceWebhook(deps: ReceiveDeps & { encryptionKey: Buffer }): Router {
  const r = Router();
  const mapping = loadSalesforceEventMapping();
  r.post('/webhooks/salesforce/:token', express.text({ type: () => true, limit: '1mb' }), async (req, res) => {
    const count = (status: string, outcome?: string) => {
      deps.metrics.webhookRequests.inc({ source: 'salesforce', status });
      if (outcome) deps.metrics.webhookEvents.inc({ source: 'salesforce', outcome });
    };
    let parsedXml: unknown;
    try {
      parsedXml = parseOutboundXml(typeof req.body === 'string' ? req.body : '');
    } catch {
      parsedXml = undefined;
    }
    if (!parsedXml) {
      count('500', 'rejected');
      return fault(res, 'Client', 'not a Salesforce Outbound Message SOAP envelope');
    }
    const parsed = notificationsSchema.safeParse(parsedXml);
    if (!parsed.success) {
      count('500', 'rejected');
      return fault(res, 'Client', formatZodError(parsed.error));
    }
    const orgId = parsed.data.OrganizationId;
    if (!outboundTokenMatches(deps.encryptionKey, orgId, req.params.token)) {
      count('500', 'rejected');
      return fault(res, 'Client', 'this endpoint does not belong to that organization');
    }
    const tenant = await deps.db.selectFrom('tenants').select('id').where('crm', '=', 'salesforce').where('account_id', '=', orgId).where('status', '=', 'active').executeTakeFirst();
    if (!tenant) {
      count('500', 'rejected');
      return fault(res, 'Client', `organization ${orgId} has not installed Kindling`);
    }
    const items = mapOutbound(parsed.data, mapping, new Date());
    const outcome = await recordAndQueue(deps, 'salesforce', 'salesforce', items);
    if (outcome.kind !== 'recorded') {
      count('500');
      return fault(res, 'Server', 'could not record the notifications; Salesforce will retry');
    }
    count('200');
    res.status(200).type('text/xml').send(ACK);
    await outcome.queue();
  });
  return r;
}
