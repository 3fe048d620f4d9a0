/**
 * Salesforce Outbound Messages: a SOAP `notifications` envelope with the org id and one `Notification`
 * per changed record, retried until answered with `<Ack>true</Ack>` (Salesforce retries for 24 hours).
 */
export function outboundEnvelope(opts: { orgId: string; actionId: string; sessionId?: string; enterpriseUrl: string; notifications: Array<{ id: string; type: string; fields: Record<string, string | number | boolean | null> }> }): string {
  const esc = (v: unknown) => String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
  const notes = opts.notifications
    .map((n) => `<Notification><Id>${esc(n.id)}</Id><sObject xsi:type="sf:${esc(n.type)}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">${Object.entries(n.fields)
      .map(([k, v]) => (v === null ? `<sf:${k} xsi:nil="true"/>` : `<sf:${k}>${esc(v)}</sf:${k}>`))
      .join('')}</sObject></Notification>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>${esc(opts.orgId)}</OrganizationId><ActionId>${esc(opts.actionId)}</ActionId><SessionId>${esc(opts.sessionId ?? '')}</SessionId><EnterpriseUrl>${esc(opts.enterpriseUrl)}</EnterpriseUrl><PartnerUrl>${esc(opts.enterpriseUrl)}</PartnerUrl>${notes}</notifications></soapenv:Body></soapenv:Envelope>`;
}

export async function sendOutboundMessage(targetUrl: string, envelope: string, opts: { maxAttempts?: number; retryDelayMs?: number } = {}): Promise<{ attempts: number; status: number; body: string }> {
  let last = { attempts: 0, status: 0, body: '' };
  for (let attempt = 1; attempt <= (opts.maxAttempts ?? 5); attempt++) {
    try {
      const res = await fetch(targetUrl, { method: 'POST', body: envelope, headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: '""' } });
      last = { attempts: attempt, status: res.status, body: await res.text() };
      if (res.status === 200 && /<Ack>true<\/Ack>/.test(last.body)) return last;
    } catch {
      last = { attempts: attempt, status: 0, body: '' };
    }
    await new Promise((r) => setTimeout(r, (opts.retryDelayMs ?? 200) * attempt));
  }
  return last;
}
