import { evaluate, type Profile } from '../../src/engine';
import { DAY, ev, fitLead, model, NOW } from './fixtures';

const run = (profile: Profile, events: Parameters<typeof evaluate>[2], previous?: Parameters<typeof evaluate>[4], now = NOW) => evaluate(model, profile, events, now, previous);
const kinds = (r: ReturnType<typeof evaluate>) => r.actions.map((a) => a.kind);

describe('lifecycle stage', () => {
  it('moves a subscriber who engages to lead, and a handed-off lead to mql', () => {
    expect(run({ ...fitLead, lifecycleStage: 'subscriber' }, [ev('email_opened', 1)]).stage).toBe('lead');
    expect(run(fitLead, [ev('form_submitted', 0, { formName: 'Request a demo' })]).stage).toBe('mql');
  });

  it('never moves backwards and never past mql', () => {
    const r = run({ ...fitLead, lifecycleStage: 'mql' }, []);
    expect(r.stage).toBe('mql');
    const set = r.actions.find((a) => a.kind === 'set_properties');
    expect(set && set.kind === 'set_properties' && 'stage' in set.properties).toBe(false);
  });

  it('does not act on a contact that sales moved further', () => {
    const r = run({ ...fitLead, lifecycleStage: 'sql' }, [ev('form_submitted', 0, { formName: 'Request a demo' })]);
    expect(r.stage).toBe('sql');
    expect(r.track).toBe('suppressed');
    expect(kinds(r)).toEqual(['set_properties']);
  });
});

describe('tracks', () => {
  it('a new contact starts in welcome, then moves to educate', () => {
    expect(run(fitLead, [ev('contact_created', 3), ev('email_opened', 1)]).track).toBe('welcome');
    expect(run(fitLead, [ev('contact_created', 20), ev('email_opened', 1)]).track).toBe('educate');
  });

  it('silence for 30 days moves to re_engage, and no response to the touches suppresses', () => {
    expect(run(fitLead, [ev('email_opened', 31)]).track).toBe('re_engage');
    const r = run(fitLead, [ev('email_opened', 31 + 21)]);
    expect(r.track).toBe('suppressed');
    expect(r.reasons.find((x) => x.kind === 'track')!.label).toBe('no response to re-engagement');
  });

  it('a re-opening signal brings a dormant contact back to educate', () => {
    const dormant = [ev('email_opened', 80)];
    expect(run(fitLead, dormant).track).toBe('suppressed');
    expect(run(fitLead, [...dormant, ev('signal', 2, { kind: 'funding_round', strength: 1 })]).track).toBe('educate');
  });

  it.each([
    ['customer', { isCustomer: true }],
    ['open opportunity', { hasOpenOpportunity: true }],
    ['unsubscribed', { unsubscribed: true }],
    ['disqualified', { disqualified: true }],
    ['do not contact', { doNotContact: true }],
  ])('a %s contact is suppressed and gets no enroll or task', (reason, flags) => {
    const r = run({ ...fitLead, ...flags }, [ev('form_submitted', 0, { formName: 'Request a demo' })]);
    expect(r.track).toBe('suppressed');
    expect(r.reasons.find((x) => x.kind === 'track')!.label).toBe(reason);
    expect(kinds(r)).toEqual(['set_properties']);
  });

  it.each([
    ['unsubscribe', 'unsubscribed'],
    ['customer', 'became_customer'],
    ['opportunity', 'opportunity_opened'],
  ] as const)('exits nurture on %s and unenrolls from the sequence it was in', (_name, type) => {
    const before = run(fitLead, [ev('email_opened', 5), ev('contact_created', 20)]);
    expect(before.track).toBe('educate');
    const after = run(fitLead, [ev('email_opened', 5), ev('contact_created', 20), ev(type, 0)], before.state);
    expect(after.track).toBe('suppressed');
    expect(after.actions).toContainEqual(expect.objectContaining({ kind: 'unenroll', track: 'educate' }));
    expect(kinds(after)).not.toContain('enroll');
  });

  it('exits nurture on reply and meeting booked by handing off', () => {
    for (const type of ['email_replied', 'meeting_booked'] as const) {
      const before = run(fitLead, [ev('contact_created', 20), ev('email_opened', 5)]);
      const after = run(fitLead, [ev('contact_created', 20), ev('email_opened', 5), ev(type, 0)], before.state);
      expect(after.track).toBe('handoff');
      expect(kinds(after)).toEqual(expect.arrayContaining(['unenroll', 'create_task']));
    }
  });

  it('an opportunity closed as lost lets the contact back into nurture', () => {
    const r = run(fitLead, [ev('opportunity_opened', 10), ev('opportunity_closed', 5, { won: false }), ev('email_opened', 1), ev('contact_created', 60)]);
    expect(r.track).toBe('educate');
  });
});

describe('handoff', () => {
  it('a demo request hands off at once with one high-priority task due within the SLA', () => {
    const r = run(fitLead, [ev('form_submitted', 0, { formName: 'Request a demo' }, 'f9')]);
    expect(r.track).toBe('handoff');
    const task = r.actions.find((a) => a.kind === 'create_task');
    expect(task).toMatchObject({ kind: 'create_task', idempotencyKey: 'task:handoff_demo:test:f9', priority: 'HIGH', dueAt: new Date(NOW.getTime() + 3_600_000) });
    expect(task && task.kind === 'create_task' && task.subject).toBe(`Jane Doe (Acme) — requested a demo, score ${r.score}`);
    expect(r.actions).toContainEqual(expect.objectContaining({ kind: 'notify', idempotencyKey: 'notify:handoff_demo:test:f9' }));
  });

  it('a second demo request within the cooldown is the same handoff: no second task', () => {
    const events = [ev('form_submitted', 2, { formName: 'Request a demo' }, 'a'), ev('form_submitted', 0, { formName: 'Talk to sales' }, 'b')];
    const first = run(fitLead, events.slice(0, 1));
    const key = (r: ReturnType<typeof evaluate>) => r.actions.find((x) => x.kind === 'create_task')?.idempotencyKey;
    expect(key(first)).toBe('task:handoff_demo:test:a');
    expect(key(run(fitLead, events, first.state))).toBeUndefined();
    // Without the stored state the task is emitted again, under the same key, so the outbox keeps one.
    expect(key(run(fitLead, events))).toBe('task:handoff_demo:test:a');
  });

  it('the score reaching the threshold hands off once; a dip of a point under does not flap', () => {
    const hot = [ev('page_viewed', 0, { url: '/pricing' }), ev('page_viewed', 1, { url: '/pricing' }), ev('webinar_attended', 1), ev('email_clicked', 0), ev('form_submitted', 3, { formName: 'Ebook: Forecasting' }), ev('contact_created', 30)];
    const r = run(fitLead, hot);
    expect(r.score).toBeGreaterThanOrEqual(70);
    expect(r.track).toBe('handoff');
    const afterCooldown = new Date(NOW.getTime() + 31 * DAY);
    const later = run({ ...fitLead, lifecycleStage: 'mql' }, [...hot, ev('page_viewed', -31, { url: '/pricing' }), ev('page_viewed', -30.9, { url: '/pricing' }), ev('page_viewed', -30.8, { url: '/pricing' })], r.state, afterCooldown);
    expect(later.score).toBeGreaterThanOrEqual(70 - 5);
    expect(later.track).toBe('handoff');
    expect(later.actions.filter((a) => a.kind === 'create_task')).toHaveLength(0);
  });

  it('a handoff older than the model allows produces no task: it is history, not news', () => {
    const r = run(fitLead, [ev('form_submitted', 20, { formName: 'Request a demo' })], undefined, NOW);
    expect(r.actions.filter((a) => a.kind === 'create_task')).toHaveLength(0);
  });

  it('a grade D contact does not reach MQL by score alone', () => {
    const hot = [ev('page_viewed', 0, { url: '/pricing' }), ev('page_viewed', 1, { url: '/pricing' }), ev('webinar_attended', 1), ev('email_clicked', 0), ev('form_submitted', 3, { formName: 'Ebook: Forecasting' }), ev('signal', 1, { kind: 'intent_spike', strength: 1 }), ev('signal', 0, { kind: 'funding_round', strength: 1 })];
    const r = run({ email: 'x@rivalcrm.example', jobTitle: 'Student', attributes: {} }, hot);
    expect(r.fit.grade).toBe('D');
    expect(r.track).not.toBe('handoff');
  });
});

describe('timers', () => {
  it('wakes when welcome ends or silence begins, whichever comes first', () => {
    const r = run(fitLead, [ev('contact_created', 3), ev('email_opened', 1)]);
    expect(r.nextWakeAt).toEqual(new Date(NOW.getTime() + 11 * DAY));
    const quiet = run(fitLead, [ev('contact_created', 40), ev('email_opened', 25)]);
    expect(quiet.nextWakeAt).toEqual(new Date(NOW.getTime() + 5 * DAY));
  });
});

describe('lifecycle stage inputs', () => {
  it('an unsubscribe, a bounce or a signal does not make a subscriber a lead', () => {
    const subscriber = { ...fitLead, lifecycleStage: 'subscriber' as const };
    expect(run(subscriber, [ev('unsubscribed', 1), ev('email_bounced', 2), ev('signal', 1, { kind: 'funding_round', strength: 1 })]).stage).toBe('subscriber');
  });
});
