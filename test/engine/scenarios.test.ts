import { evaluate, type EngineState, renderReasons } from '../../src/engine';
import { DAY, ev, fitLead, model, NOW } from './fixtures';

/** Replays a story day by day, carrying state like the worker does. */
function story(steps: Array<{ day: number; events: ReturnType<typeof ev>[] }>, profile = fitLead) {
  const seen: ReturnType<typeof ev>[] = [];
  let state: EngineState | undefined;
  const results = [];
  for (const step of steps) {
    seen.push(...step.events);
    const now = new Date(NOW.getTime() + step.day * DAY);
    const r = evaluate(model, profile, seen, now, state);
    state = r.state;
    results.push(r);
  }
  return results;
}

describe('stories', () => {
  it('a webinar attendee who then clicks through to pricing branches to high intent and is handed off', () => {
    const [afterWebinar, afterPricing] = story([
      { day: -10, events: [ev('contact_created', 40), ev('email_opened', 12), ev('webinar_attended', 10)] },
      { day: 0, events: [ev('email_clicked', 1), ev('page_viewed', 1, { url: 'https://x.io/pricing' }), ev('page_viewed', 0, { url: 'https://x.io/pricing' }), ev('form_submitted', 0, { formName: 'Ebook: Forecasting' })] },
    ]);
    expect(afterWebinar!.track).toBe('educate');
    expect(afterPricing!.score).toBeGreaterThanOrEqual(70);
    expect(afterPricing!.track).toBe('handoff');
    expect(afterPricing!.stage).toBe('mql');
    // Grade A reaching the threshold is a high-priority handoff, so the rep is also notified.
    expect(afterPricing!.actions.map((a) => a.kind)).toEqual(['set_properties', 'unenroll', 'create_task', 'notify']);
    expect(renderReasons(afterPricing!.reasons)).toMatch(/visited pricing 2× \(Nov 20\)/);
  });

  it('a lead silent for 30 days moves to re-engage and is enrolled in its sequence', () => {
    const [active, silent] = story([
      { day: 0, events: [ev('contact_created', 50), ev('email_opened', 2)] },
      { day: 29, events: [] },
    ]);
    expect(active!.track).toBe('educate');
    expect(silent!.track).toBe('re_engage');
    expect(silent!.actions).toContainEqual(expect.objectContaining({ kind: 'unenroll', track: 'educate' }));
    expect(silent!.actions).toContainEqual(expect.objectContaining({ kind: 'enroll', track: 're_engage' }));
  });

  it('a dormant lead whose company raises a round is re-opened', () => {
    const [dormant, reopened] = story([
      { day: 0, events: [ev('contact_created', 120), ev('email_opened', 70)] },
      { day: 1, events: [ev('signal', -1, { kind: 'funding_round', strength: 0.9, detail: 'Series B' })] },
    ]);
    expect(dormant!.track).toBe('suppressed');
    expect(reopened!.track).toBe('educate');
    expect(reopened!.actions).toContainEqual(expect.objectContaining({ kind: 'enroll', track: 'educate' }));
  });

  it('a customer never enters nurture, whatever they do', () => {
    const results = story([
      { day: 0, events: [ev('contact_created', 5), ev('page_viewed', 1, { url: '/pricing' })] },
      { day: 1, events: [ev('form_submitted', -1, { formName: 'Request a demo' })] },
    ], { ...fitLead, isCustomer: true });
    for (const r of results) {
      expect(r.track).toBe('suppressed');
      expect(r.actions.map((a) => a.kind)).toEqual(['set_properties']);
    }
  });

  it('a demo request hands off at once with a task a rep can act on', () => {
    const [r] = story([{ day: 0, events: [ev('contact_created', 30), ev('page_viewed', 3, { url: 'https://x.io/pricing' }), ev('email_clicked', 2, { url: 'https://x.io/blog/forecasting' }), ev('signal', 4, { kind: 'job_change', strength: 1, detail: 'new VP Sales at Acme' }), ev('form_submitted', 0, { formName: 'Request a demo' })] }]);
    const task = r!.actions.find((a) => a.kind === 'create_task');
    expect(task).toBeDefined();
    if (task?.kind !== 'create_task') return;
    expect(task.priority).toBe('HIGH');
    expect(task.body).toContain('Why now: Requested a demo (Nov 20)');
    expect(task.body).toContain('visited https://x.io/pricing');
    expect(task.body).toContain('clicked https://x.io/blog/forecasting in an email');
    expect(task.body).toContain('job change: new VP Sales at Acme');
    expect(task.body).toMatch(/Score breakdown: \+25 requested a demo \(Nov 20\)/);
  });
});
