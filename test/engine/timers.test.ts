import { evaluate, type EngineState } from '../../src/engine';
import { DAY, ev, fitLead, model, NOW } from './fixtures';

type Events = Parameters<typeof evaluate>[2];
const at = (ms: number) => new Date(ms);
const run = (events: Events, now: Date = NOW, previous?: EngineState) => evaluate(model, fitLead, events, now, previous);
const demo = (daysAgo: number) => ev('form_submitted', daysAgo, { formName: 'Request a demo' });

describe('nextWakeAt: when the result changes with time alone', () => {
  it('a handed-off contact wakes when the handoff cooldown ends', () => {
    const r = run([ev('contact_created', 10), demo(2)]);
    expect(r.track).toBe('handoff');
    expect(r.nextWakeAt).toEqual(at(NOW.getTime() + 28 * DAY));
  });

  it('a re-engaged contact wakes when the last touch goes unanswered', () => {
    const r = run([ev('contact_created', 90), ev('email_opened', 35)]);
    expect(r.track).toBe('re_engage');
    // Silent from day −5; three weekly touches end 21 days later.
    expect(r.nextWakeAt).toEqual(at(NOW.getTime() + 16 * DAY));
    expect(run([ev('contact_created', 90), ev('email_opened', 35)], r.nextWakeAt!).track).toBe('suppressed');
  });

  it('a contact kept in handoff by its score wakes when fading takes it under threshold − hysteresis, not before', () => {
    const events = [ev('contact_created', 60), demo(40), ev('page_viewed', 0, { url: '/pricing' }), ev('page_viewed', 0.1, { url: '/pricing' }), ev('page_viewed', 0.2, { url: '/pricing' })];
    const first = run(events, new Date(NOW.getTime() - 39 * DAY));
    const hot = run(events, NOW, first.state);
    expect(hot.track).toBe('handoff');
    const wake = hot.nextWakeAt!;
    expect(wake.getTime()).toBeGreaterThan(NOW.getTime());
    const before = run(events, new Date(wake.getTime() - 60_000), hot.state);
    expect(before.track).toBe('handoff');
    expect(before.score).toBeGreaterThanOrEqual(65);
    const after = run(events, wake, hot.state);
    expect(after.score).toBeLessThan(65);
    expect(after.track).not.toBe('handoff');
  });

  it('a suppressed contact has nothing to wake for', () => {
    expect(evaluate(model, { ...fitLead, isCustomer: true }, [ev('email_opened', 1)], NOW).nextWakeAt).toBeUndefined();
    expect(run([ev('email_opened', 80)]).nextWakeAt).toBeUndefined();
  });
});
