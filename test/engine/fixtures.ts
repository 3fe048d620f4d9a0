import { type EngineEvent, loadDefaultModel, type Profile, type ScoringModel, scoringModelSchema } from '../../src/engine';

export const NOW = new Date('2026-11-20T12:00:00Z');
export const DAY = 86_400_000;
export const model: ScoringModel = loadDefaultModel();

let seq = 0;
type Ev = EngineEvent;
export function ev(type: Ev['type'], daysAgo: number, attrs: Record<string, unknown> = {}, id?: string): Ev {
  return { type, occurredAt: new Date(NOW.getTime() - daysAgo * DAY), source: 'test', sourceEventId: id ?? `e${++seq}`, attrs } as Ev;
}

export const fitLead: Profile = {
  firstName: 'Jane', lastName: 'Doe', email: 'jane@acme.io', company: 'Acme', jobTitle: 'VP Sales',
  companySize: 300, industry: 'Software', lifecycleStage: 'lead', attributes: {},
};

/** A model derived from the default with some fields replaced, validated like any other. */
export function withModel(patch: (m: ScoringModel) => void): ScoringModel {
  const m = structuredClone(model);
  patch(m);
  return scoringModelSchema.parse(m);
}
