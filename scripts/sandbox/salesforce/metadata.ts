import express, { Router } from 'express';
import { XMLParser } from 'fast-xml-parser';
import type { SfOrg } from './state';

const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false });
const envelope = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="http://soap.sforce.com/2006/04/metadata" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;
const fault = (code: string, message: string) => envelope(`<soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${message}</faultstring></soapenv:Fault>`);
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * The Metadata API's `readMetadata` and `createMetadata` for CustomField, as SOAP (what jsforce's
 * `conn.metadata.read/create` send), at most 10 components per call.
 */
export function metadataRoutes(org: SfOrg, sessionValid: (token: string) => boolean): Router {
  const r = Router();
  r.post('/services/Soap/m/:version', express.text({ type: () => true, limit: '1mb' }), (req, res) => {
    res.type('text/xml');
    const doc = parser.parse(String(req.body)) as { Envelope?: { Header?: { SessionHeader?: { sessionId?: string } }; Body?: Record<string, Record<string, unknown>> } };
    if (!sessionValid(String(doc.Envelope?.Header?.SessionHeader?.sessionId ?? ''))) return res.status(500).send(fault('INVALID_SESSION_ID', 'Invalid Session ID found in SessionHeader'));
    const body = doc.Envelope?.Body ?? {};
    if (body.readMetadata) {
      const names = list(body.readMetadata.fullNames as string | string[]);
      if (names.length > 10) return res.status(500).send(fault('INVALID_CROSS_REFERENCE_KEY', 'Cannot read more than 10 components'));
      const records = names.map((n) => {
        const [obj, field] = n.split('.');
        return org.fields.get(obj ?? '')?.has(field ?? '') ? `<records xsi:type="CustomField"><fullName>${n}</fullName></records>` : '<records xsi:nil="true"/>';
      });
      return res.send(envelope(`<readMetadataResponse><result>${records.join('')}</result></readMetadataResponse>`));
    }
    if (body.createMetadata) {
      const items = list(body.createMetadata.metadata as Array<{ fullName?: string }> | { fullName?: string });
      if (items.length > 10) return res.status(500).send(fault('INVALID_CROSS_REFERENCE_KEY', 'Cannot create more than 10 components'));
      const results = items.map((m) => {
        const [obj, field] = String(m.fullName ?? '').split('.');
        const fields = org.fields.get(obj ?? '');
        if (!fields || !field?.endsWith('__c')) return `<result><fullName>${m.fullName}</fullName><success>false</success><errors><message>invalid field name</message></errors></result>`;
        fields.add(field);
        org.secured.add(`${obj}.${field}`);
        return `<result><fullName>${m.fullName}</fullName><success>true</success></result>`;
      });
      return res.send(envelope(`<createMetadataResponse>${results.join('')}</createMetadataResponse>`));
    }
    return res.status(500).send(fault('UNKNOWN_OPERATION', 'operation not supported by the sandbox'));
  });
  return r;
}
