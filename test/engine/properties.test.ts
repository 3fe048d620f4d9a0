import fc from 'fast-check';
import { evaluate, type EngineEvent, type Profile, STAGES, stageRank } from '../../src/engine';
import { DAY, model, NOW } from './fixtures';

const URLS = ['https://x.io/pricing', 'https://x.io/blog/a', 'https://x.io/careers', 'https://x.io/'];
const FORMS = ['Request a demo', 'Ebook: Forecasting', 'Webinar: Pipeline (attended)', 'Newsletter'];

const eventArb: fc.Arbitrary<EngineEvent> = fc
  .record({
    type: fc.constantFrom('page_viewed', 'form_submitted', 'email_opened', 'email_clicked', 'email_replied', 'unsubscribed', 'meeting_booked', 'webinar_attended', 'signal', 'became_customer', 'opportunity_opened', 'contact_created', 'email_bounced'),
    daysAgo: fc.double({ min: 0, max: 120, noNaN: true }),
    url: fc.constantFrom(...URLS),
    form: fc.constantFrom(...FORMS),
    kind: fc.constantFrom('job_change', 'funding_round', 'hiring_surge', 'intent_spike'),
    strength: fc.double({ min: 0, max: 1, noNaN: true }),
    id: fc.uuid(),
  })
  .map(({ type, daysAgo, url, form, kind, strength, id }) => {
    const attrs = type === 'page_viewed' ? { url } : type === 'form_submitted' ? { formName: form } : type === 'signal' ? { kind, strength } : {};
    return { type, occurredAt: new Date(NOW.getTime() - daysAgo * DAY), source: 'prop', sourceEventId: id, attrs } as EngineEvent;
  });

const profileArb: fc.Arbitrary<Profile> = fc.record({
  jobTitle: fc.constantFrom('VP Sales', 'Student', 'Marketing Manager', undefined),
  email: fc.constantFrom('a@acme.io', 'b@gmail.com', 'c@rivalcrm.example', undefined),
  companySize: fc.option(fc.integer({ min: 1, max: 20000 }), { nil: undefined }),
  lifecycleStage: fc.constantFrom(...STAGES, undefined),
  isCustomer: fc.boolean(),
  unsubscribed: fc.boolean(),
  attributes: fc.constant({}),
});

const eventsArb = fc.array(eventArb, { maxLength: 60 });

describe('engine properties', () => {
  it('the order events arrive in does not matter', () => {
    const withShuffle = eventsArb.chain((events) => fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length })));
    fc.assert(fc.property(profileArb, withShuffle, (profile, [events, shuffled]) => {
      expect(evaluate(model, profile, shuffled, NOW)).toEqual(evaluate(model, profile, events, NOW));
    }));
  });

  it('is deterministic: same inputs, same output', () => {
    fc.assert(fc.property(profileArb, eventsArb, (profile, events) => {
      expect(JSON.stringify(evaluate(model, profile, events, NOW))).toBe(JSON.stringify(evaluate(model, profile, events, NOW)));
    }));
  });

  it('decay never raises a score: later, with no new events, the score is not higher', () => {
    fc.assert(fc.property(profileArb, eventsArb, fc.double({ min: 0, max: 50, noNaN: true }), (profile, events, laterDays) => {
      const now = evaluate(model, profile, events, NOW);
      const later = evaluate(model, profile, events, new Date(NOW.getTime() + laterDays * DAY));
      expect(later.engagement.points).toBeLessThanOrEqual(now.engagement.points + 1e-9);
      expect(later.score).toBeLessThanOrEqual(now.score);
    }));
  });

  it('caps hold: no rule counts more than its cap in any window its events fall in', () => {
    fc.assert(fc.property(eventsArb, (events) => {
      const r = evaluate(model, { attributes: {} }, events, NOW);
      for (const rule of model.engagement.rules) {
        const reason = r.reasons.find((x) => x.ruleId === rule.id);
        if (!reason || !rule.cap) continue;
        const types = new Set<string>(Array.isArray(rule.event) ? rule.event : [rule.event]);
        // Windows that hold at least one event of the rule's type: an upper bound on the windows it counted in.
        const windows = new Set(events.filter((e) => types.has(e.type)).map((e) => Math.floor(e.occurredAt.getTime() / (rule.cap!.windowDays * DAY)))).size;
        expect(reason.count!).toBeLessThanOrEqual(rule.cap.max * windows);
        expect(reason.points).toBeLessThanOrEqual(rule.cap.max * windows * Math.max(rule.points, 0) + 0.05);
      }
    }));
  });

  it('forty refreshes of a page count no more than its cap, wherever they fall', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 100, noNaN: true }), fc.integer({ min: 4, max: 40 }), (daysAgo, n) => {
      const refreshes = Array.from({ length: n }, (_, i) => ({ type: 'page_viewed', occurredAt: new Date(NOW.getTime() - daysAgo * DAY - i * 1000), source: 'p', sourceEventId: `r${i}`, attrs: { url: '/pricing' } }) as EngineEvent);
      const r = evaluate(model, { attributes: {} }, refreshes, NOW);
      // A burst of n seconds spans at most two of the rule's 7-day windows.
      expect(r.reasons.find((x) => x.ruleId === 'pricing_page')!.count).toBeLessThanOrEqual(2 * 3);
    }));
  });

  it('re-evaluating with the state it returned changes nothing and never emits a second task', () => {
    fc.assert(fc.property(profileArb, eventsArb, (profile, events) => {
      const first = evaluate(model, profile, events, NOW);
      const again = evaluate(model, profile, events, NOW, first.state);
      expect([again.track, again.score, again.stage]).toEqual([first.track, first.score, first.stage]);
      expect(again.state).toEqual(first.state);
      expect(again.actions.map((a) => a.kind)).not.toContain('create_task');
      expect(again.actions.map((a) => a.kind)).not.toContain('unenroll');
    }));
  });

  it('nothing changes track before nextWakeAt with time alone', () => {
    fc.assert(fc.property(profileArb, eventsArb, fc.double({ min: 0, max: 1, noNaN: true }), (profile, events, fraction) => {
      const r = evaluate(model, profile, events, NOW);
      // Until the wake, or 55 days on (before any of these events, at most 120 days old, leaves the 180-day horizon).
      const until = Math.min(r.nextWakeAt?.getTime() ?? Infinity, NOW.getTime() + 55 * DAY);
      expect(r.nextWakeAt === undefined || r.nextWakeAt.getTime() > NOW.getTime()).toBe(true);
      const later = new Date(NOW.getTime() + Math.floor((until - NOW.getTime() - 1) * fraction));
      expect(evaluate(model, profile, events, later, r.state).track).toBe(r.track);
    }));
  });

  it('the stage never moves backwards and never past mql on Kindling\'s own', () => {
    fc.assert(fc.property(profileArb, eventsArb, (profile, events) => {
      const r = evaluate(model, profile, events, NOW);
      expect(stageRank(r.stage)).toBeGreaterThanOrEqual(stageRank(profile.lifecycleStage));
      if (stageRank(r.stage) > stageRank(profile.lifecycleStage)) expect(stageRank(r.stage)).toBeLessThanOrEqual(stageRank('mql'));
    }));
  });

  it('a suppressed contact never gets enroll or create_task', () => {
    fc.assert(fc.property(profileArb, eventsArb, fc.integer({ min: 1, max: 60 }), (profile, events, daysBefore) => {
      // Fresh, and carrying the state of an evaluation some days earlier, as the worker does.
      const earlier = evaluate(model, profile, events, new Date(NOW.getTime() - daysBefore * DAY));
      for (const r of [evaluate(model, profile, events, NOW), evaluate(model, profile, events, NOW, earlier.state)]) {
        if (r.track !== 'suppressed') continue;
        expect(r.actions.map((a) => a.kind)).not.toContain('enroll');
        expect(r.actions.map((a) => a.kind)).not.toContain('create_task');
      }
    }));
  });
});
