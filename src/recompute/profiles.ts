import type { Profile } from '../engine';
import type { Tenant } from '../store/tables';

/** Reads contacts' fit attributes from the CRM, batched; implemented by each CRM connector. */
export type ReadProfiles = (tenant: Tenant, objectType: 'contact' | 'lead', ids: string[]) => Promise<Map<string, Profile>>;
