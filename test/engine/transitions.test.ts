import { evaluate, type EngineState, type Profile } from '../../src/engine';
import { DAY, ev, fitLead, model, NOW } from './fixtures';

type Events = Parameters<typeof evaluate>[2];
const at = (days: number) => new Date(NOW.getTime() + days * DAY);
const run = (events: Events, previous?: EngineState, now = NOW, profile: Profile = fitLead) => evaluate(model, profile, events, now, previous);
const kinds = (r: ReturnType<typeof evaluate>) => r.actions.map((a) => a.kind);
const demo = (daysAgo: number, id?: string) => ev('form_submitted', daysAgo, { formName: 'Request a demo' }, id);

describe('track transitions and their sequence moves', () => {
  it('welcome completes into educate: leaves the welcome sequence, joins educate', () => {
    const events = [ev('contact_created', 10), ev('email_opened', 2)];
    const welcome = run(events);
    expect(welcome.track).toBe('welcome');
    expect(welcome.actions).toContainEqual(expect.objectContaining({ kind: 'enroll', track: 'welcome' }));
    const educate = run(events, welcome.state, at(5));
    expect(educate.track).toBe('educate');
    expect(educate.actions).toContainEqual(expect.objectContaining({ kind: 'unenroll', track: 'welcome' }));
    expect(educate.actions).toContainEqual(expect.objectContaining({ kind: 'enroll', track: 'educate' }));
  });

  it('a demo request during welcome hands off: leaves welcome, one task, no enroll', () => {
    const events = [ev('contact_created', 3)];
    const welcome = run(events);
    const handoff = run([...events, demo(0)], welcome.state);
    expect(handoff.track).toBe('handoff');
    expect(kinds(handoff)).toEqual(['set_properties', 'unenroll', 'create_task', 'notify']);
  });

  it('a re-engaged contact who clicks again returns to educate and leaves the re-engage sequence', () => {
    const events = [ev('contact_created', 90), ev('email_opened', 35)];
    const quiet = run(events);
    expect(quiet.track).toBe('re_engage');
    const back = run([...events, ev('email_clicked', 0)], quiet.state);
    expect(back.track).toBe('educate');
    expect(back.actions).toContainEqual(expect.objectContaining({ kind: 'unenroll', track: 're_engage' }));
    expect(back.actions).toContainEqual(expect.objectContaining({ kind: 'enroll', track: 'educate' }));
  });

  it('a reply to a re-engage touch hands off with a task', () => {
    const events = [ev('contact_created', 90), ev('email_opened', 35)];
    const quiet = run(events);
    const replied = run([...events, ev('email_replied', 0)], quiet.state);
    expect(replied.track).toBe('handoff');
    expect(kinds(replied)).toEqual(expect.arrayContaining(['unenroll', 'create_task']));
  });

  it('a contact suppressed for silence who requests a demo is handed off', () => {
    const events = [ev('contact_created', 120), ev('email_opened', 70)];
    const gone = run(events);
    expect(gone.track).toBe('suppressed');
    const r = run([...events, demo(0)], gone.state);
    expect(r.track).toBe('handoff');
    expect(kinds(r)).toContain('create_task');
  });

  it('handoff ends after the cooldown once the score is under the threshold minus the hysteresis', () => {
    const events = [ev('contact_created', 60), demo(40, 'd1'), ev('email_opened', 10)];
    const handedOff = run(events, undefined, at(-39));
    expect(handedOff.track).toBe('handoff');
    const after = run(events, handedOff.state);
    expect(after.score).toBeLessThan(70 - 5);
    expect(after.track).toBe('educate');
    expect(after.actions).toContainEqual(expect.objectContaining({ kind: 'enroll', track: 'educate' }));
    expect(kinds(after)).not.toContain('create_task');
  });

  it('without stored state, a contact past its handoff cooldown stays in handoff only at the threshold itself', () => {
    // Fit 30, a demo 40 days ago (≈10), a pricing visit (15 + 1 site visit) and a webinar (10) today: 66.
    const warm = [ev('contact_created', 60), demo(40), ev('page_viewed', 0, { url: '/pricing' }), ev('webinar_attended', 0)];
    // A second pricing visit (15 + 1) with the return bonus (10) makes it hot.
    expect(run([...warm, ev('page_viewed', 0.1, { url: '/pricing' })]).track).toBe('handoff');
    const r = run(warm);
    expect(r.score).toBeGreaterThanOrEqual(65);
    expect(r.score).toBeLessThan(70);
    expect(r.track).toBe('educate');
  });
});

describe('exit criteria', () => {
  it.each([
    ['email reply', ev('email_replied', 0)],
    ['meeting booked', ev('meeting_booked', 0)],
    ['demo request (handoff)', demo(0)],
  ])('%s takes the contact out of its nurture sequence into handoff', (_name, exit) => {
    const events = [ev('contact_created', 20), ev('email_opened', 3)];
    const before = run(events);
    expect(before.track).toBe('educate');
    const after = run([...events, exit], before.state);
    expect(after.track).toBe('handoff');
    expect(after.actions).toContainEqual(expect.objectContaining({ kind: 'unenroll', track: 'educate', reason: expect.any(String) }));
    expect(kinds(after)).not.toContain('enroll');
  });

  it.each([
    ['unsubscribed in the CRM', { unsubscribed: true }],
    ['marked customer in the CRM', { isCustomer: true }],
    ['with an opportunity opened in the CRM', { hasOpenOpportunity: true }],
    ['moved to sql by sales', { lifecycleStage: 'sql' as const }],
  ])('a contact %s leaves re-engage', (_name, change) => {
    const events = [ev('contact_created', 90), ev('email_opened', 35)];
    const quiet = run(events);
    expect(quiet.track).toBe('re_engage');
    const after = run(events, quiet.state, NOW, { ...fitLead, ...change });
    expect(after.track).toBe('suppressed');
    expect(kinds(after)).toEqual(['set_properties', 'unenroll']);
  });

  it('an unsubscribe 90 days ago still suppresses, whatever the contact did since', () => {
    const r = run([ev('contact_created', 100), ev('unsubscribed', 90), ev('page_viewed', 1, { url: '/pricing' })]);
    expect(r.track).toBe('suppressed');
    expect(r.reasons.find((x) => x.kind === 'track')!.label).toBe('unsubscribed');
  });
});

describe('handoff by score again', () => {
  // Fit 30 + three pricing visits (45) + return bonus (10) + site visits (3): hot on the day.
  const burst = (daysAgo: number, tag: string) => [0, 0.1, 0.2].map((d, i) => ev('page_viewed', daysAgo + d, { url: '/pricing' }, `${tag}${i}`));

  it('a lead that cooled off after a handoff and heats up again is handed off again, with a new task', () => {
    const first = [ev('contact_created', 200), ...burst(100, 'a')];
    const hot = run(first, undefined, at(-100));
    expect(hot.track).toBe('handoff');
    const cooled = run(first, hot.state, at(-40), { ...fitLead, lifecycleStage: 'mql' });
    expect(cooled.track).not.toBe('handoff');
    const again = run([...first, ...burst(0, 'b')], cooled.state, NOW, { ...fitLead, lifecycleStage: 'mql' });
    expect(again.track).toBe('handoff');
    const task = again.actions.find((a) => a.kind === 'create_task');
    expect(task?.idempotencyKey).toBe('task:mql:test:b0');
    expect(task).not.toEqual(hot.actions.find((a) => a.kind === 'create_task'));
  });

  it('without stored state, a contact Kindling already made an MQL is not handed off by score again', () => {
    const r = run([ev('contact_created', 200), ...burst(0, 'c')], undefined, NOW, { ...fitLead, lifecycleStage: 'mql' });
    expect(r.score).toBeGreaterThanOrEqual(70);
    expect(r.actions.map((a) => a.kind)).not.toContain('create_task');
  });

  it('a suppressed contact is never handed off by score', () => {
    const r = run([ev('contact_created', 200), ...burst(0, 'd')], undefined, NOW, { ...fitLead, hasOpenOpportunity: true });
    expect(r.score).toBeGreaterThanOrEqual(70);
    expect(r.state.handoffs).toEqual([]);
  });
});
