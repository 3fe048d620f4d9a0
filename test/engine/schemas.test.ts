import { engineEventSchema, engineStateSchema, evaluate, loadDefaultModel, profileSchema, scoringModelSchema } from '../../src/engine';
import { ev, fitLead, model, NOW } from './fixtures';

describe('scoring model schema', () => {
  it('accepts the default model, with a version', () => {
    expect(loadDefaultModel().version).toBeGreaterThanOrEqual(1);
  });

  it('rejects an invalid regular expression, a duplicate rule id and grade bands out of order', () => {
    const broken = (patch: (m: Record<string, any>) => void) => {
      const m = structuredClone(model) as Record<string, any>;
      patch(m);
      return scoringModelSchema.safeParse(m).success;
    };
    expect(broken(() => {})).toBe(true);
    expect(broken((m) => { m.fit.rules[0].when = { op: 'regex', pattern: '(' }; })).toBe(false);
    expect(broken((m) => { m.engagement.rules[1].id = m.engagement.rules[0].id; })).toBe(false);
    expect(broken((m) => { m.fit.grades = { A: 10, B: 20, C: 0 }; })).toBe(false);
  });
});

describe('event schema', () => {
  it('accepts a form submission that names the form but not its id, and coerces its time', () => {
    const parsed = engineEventSchema.parse({ type: 'form_submitted', occurredAt: '2026-11-20T10:00:00Z', source: 'hubspot', sourceEventId: 'p1', attrs: { formName: 'Request a demo' } });
    expect(parsed.occurredAt).toEqual(new Date('2026-11-20T10:00:00Z'));
  });

  it('gives a signal full strength unless told, and rejects an unknown signal kind', () => {
    const signal = { type: 'signal', occurredAt: NOW, source: 'signals', sourceEventId: 's1', attrs: { kind: 'funding_round' } };
    expect(engineEventSchema.parse(signal).attrs).toEqual({ kind: 'funding_round', strength: 1 });
    expect(engineEventSchema.safeParse({ ...signal, attrs: { kind: 'weather' } }).success).toBe(false);
  });
});

describe('profile and state schemas', () => {
  it('a profile needs no field at all; other mapped fields go in attributes', () => {
    expect(profileSchema.parse({})).toEqual({ attributes: {} });
    expect(profileSchema.safeParse({ companySize: 'big' }).success).toBe(false);
  });

  it('the state a result returns parses as EngineState and survives a JSON round trip', () => {
    const r = evaluate(model, fitLead, [ev('form_submitted', 0, { formName: 'Request a demo' })], NOW);
    const stored = engineStateSchema.parse(JSON.parse(JSON.stringify(r.state)));
    expect(evaluate(model, fitLead, [ev('email_opened', 0)], NOW, stored).state.handoffs).toEqual(r.state.handoffs);
  });
});
