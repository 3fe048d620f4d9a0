import type { Crm, Tenant } from '../store/tables';
import { outboundPathToken } from './salesforce/outbound-token';

export interface SetupFact {
  label: string;
  value: string;
}

/**
 * What an admin must copy into their CRM by hand, per CRM, for the setup screen's connection panel.
 * HubSpot needs nothing (the app's webhook target is in its manifest); Salesforce needs the Outbound
 * Message endpoint, whose path is the org's secret.
 */
export const setupFacts: Record<Crm, (tenant: Pick<Tenant, 'account_id'>, ctx: { publicUrl: string; key: Buffer }) => SetupFact[]> = {
  hubspot: () => [],
  salesforce: (tenant, ctx) => [{ label: 'Outbound Message endpoint', value: `${ctx.publicUrl}/webhooks/salesforce/${outboundPathToken(ctx.key, tenant.account_id)}` }],
};
