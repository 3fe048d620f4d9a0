import { type Stage, stageRank, stageSchema } from '../engine';

/**
 * How every connector treats the CRM's stage field (HubSpot `lifecyclestage`, Salesforce Lead Status or
 * `Kindling_Stage__c`), through the tenant's canonical stage → CRM value mapping.
 */

/** A value the mapping does not know (evangelist, a custom Lead Status) is sales' own: past MQL. */
export const FOREIGN_STAGE: Stage = 'sql';

/**
 * The canonical stage a CRM value stands for, or undefined for a value the mapping does not know. Where two
 * stages share a value (Lead Status "Open - Not Contacted" is subscriber and lead), the later one wins.
 */
function stageOfValue(stages: Record<string, string>, value: string): Stage | undefined {
  const parsed = stageSchema.safeParse(Object.entries(stages).findLast(([, v]) => v === value)?.[0]);
  return parsed.success ? parsed.data : undefined;
}

/** The stage a contact's profile carries: none for an empty field, FOREIGN_STAGE for an unknown value. */
export function readStage(stages: Record<string, string>, value: string | undefined): Stage | undefined {
  return value ? stageOfValue(stages, value) ?? FOREIGN_STAGE : undefined;
}

/**
 * Whether Kindling may write `next` over what the CRM holds: forward only, ranked by the stages the values
 * stand for (so a remapped value keeps its place); never over a value it does not know (sales set it).
 */
export function mayWriteStage(stages: Record<string, string>, current: string | null | undefined, next: Stage): boolean {
  if (!current) return true;
  const held = stageOfValue(stages, current);
  return held !== undefined && stageRank(held) < stageRank(next);
}
