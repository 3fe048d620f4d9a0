import { evaluate } from '../../src/engine';
import { DAY, ev, fitLead, model, NOW, withModel } from './fixtures';

const engagementOf = (events: Parameters<typeof evaluate>[2], m = model) => evaluate(m, fitLead, events, NOW);
const reason = (r: ReturnType<typeof evaluate>, id: string) => r.reasons.find((x) => x.ruleId === id);

describe('engagement rules', () => {
  it('a demo request today is worth 25 points', () => {
    const r = engagementOf([ev('form_submitted', 0, { formName: 'Request a demo' }, 'demo1')]);
    expect(reason(r, 'demo_request')).toMatchObject({ points: 25, count: 1, events: ['demo1'] });
  });

  it('points fade with the half-life: a pricing visit 30 days ago is worth half', () => {
    const r = engagementOf([ev('page_viewed', 30, { url: 'https://x.io/pricing' })]);
    expect(reason(r, 'pricing_page')!.points).toBe(7.5);
  });

  it('caps count at most N events per rule per window: 40 refreshes are not 40 visits', () => {
    const refreshes = Array.from({ length: 40 }, (_, i) => ev('page_viewed', 1 + i / 1000, { url: 'https://x.io/pricing' }));
    const r = engagementOf(refreshes);
    expect(reason(r, 'pricing_page')!.count).toBe(3);
  });

  it('coming back to pricing within 14 days earns the return bonus once', () => {
    const once = engagementOf([ev('page_viewed', 20, { url: '/pricing' })]);
    expect(reason(once, 'pricing_page.returns')).toBeUndefined();
    const back = engagementOf([ev('page_viewed', 10, { url: '/pricing' }), ev('page_viewed', 0, { url: '/pricing' }), ev('page_viewed', 0.5, { url: '/pricing' })]);
    expect(reason(back, 'pricing_page.returns')).toMatchObject({ points: 10, label: 'came back to pricing' });
  });

  it('an unsubscribe costs 20 points and does not fade', () => {
    const r = engagementOf([ev('unsubscribed', 90)]);
    expect(reason(r, 'unsubscribed')!.points).toBe(-20);
  });

  it('signals score by kind and strength', () => {
    const r = engagementOf([ev('signal', 0, { kind: 'funding_round', strength: 0.5 }), ev('signal', 0, { kind: 'intent_spike', strength: 1 })]);
    expect(reason(r, 'signal_funding')!.points).toBe(10);
    expect(reason(r, 'signal_intent')!.points).toBe(20);
    expect(reason(r, 'signal_job_change')).toBeUndefined();
  });

  it('matchers on form name, URL, email id and signal kind select their events only', () => {
    const m = withModel((x) => {
      x.engagement.rules = [
        { id: 'nl', label: 'newsletter email', event: 'email_clicked', match: { emailId: 'nl-7' }, points: 3, decays: true, scaleByStrength: false, reopens: false },
        { id: 'f', label: 'form by id', event: 'form_submitted', match: { formId: 'f-1' }, points: 4, decays: true, scaleByStrength: false, reopens: false },
      ];
    });
    const r = engagementOf([ev('email_clicked', 0, { emailId: 'nl-7' }), ev('email_clicked', 0, { emailId: 'promo' }), ev('form_submitted', 0, { formId: 'f-1' }), ev('form_submitted', 0, { formId: 'f-2' })], m);
    expect(r.engagement.points).toBe(7);
  });

  it('matching remembered by page or form text never leaks between values, fields or models', () => {
    // The same texts over and over, as every recompute of a contact's history sends them.
    const pages = ['https://x.io/pricing', 'https://x.io/blog/a', 'https://x.io/pricing', 'https://x.io/careers'];
    for (let round = 0; round < 3; round++) {
      const r = engagementOf(pages.map((url, i) => ev('page_viewed', i, { url })));
      expect(reason(r, 'pricing_page')!.count).toBe(2);
      expect(reason(r, 'blog_visit')!.count).toBe(1);
      expect(reason(r, 'careers_page')!.count).toBe(1);
    }
    // Texts that never repeat (a unique query string on every page) are matched just the same.
    const unique = Array.from({ length: 3000 }, (_, i) => ev('page_viewed', i / 1000, { url: `https://x.io/${i % 2 ? 'pricing' : 'about'}?v=${i}` }));
    const u = engagementOf(unique, withModel((x) => { x.engagement.rules = x.engagement.rules.filter((r) => r.id === 'pricing_page').map((r) => ({ ...r, cap: undefined, returns: undefined })); }));
    expect(reason(u, 'pricing_page')!.count).toBe(1500);
    // A page view that carries its URL as pageUrl (Salesforce) is matched by the same rule.
    expect(reason(engagementOf([ev('page_viewed', 0, { pageUrl: 'https://x.io/pricing' })]), 'pricing_page')!.count).toBe(1);
    // A rule reading two fields answers per event, not per form name.
    const m = withModel((x) => {
      x.engagement.rules = [{ id: 'ebook_f1', label: 'ebook on form 1', event: 'form_submitted', match: { formName: 'ebook', formId: 'f-1' }, points: 4, decays: false, scaleByStrength: false, reopens: false }];
    });
    const both = engagementOf([ev('form_submitted', 0, { formName: 'Ebook', formId: 'f-1' }), ev('form_submitted', 1, { formName: 'Ebook', formId: 'f-2' })], m);
    expect(reason(both, 'ebook_f1')!.count).toBe(1);
    // Another model with the same texts answers by its own rules.
    const other = withModel((x) => {
      x.engagement.rules = [{ id: 'blog_only', label: 'blog', event: 'page_viewed', match: { url: '/blog' }, points: 1, decays: false, scaleByStrength: false, reopens: false }];
    });
    expect(engagementOf(pages.map((url, i) => ev('page_viewed', i, { url })), other).reasons.filter((x) => x.kind === 'engagement').map((x) => x.ruleId)).toEqual(['blog_only']);
  });

  it('events older than the horizon or later than now contribute nothing', () => {
    const r = engagementOf([ev('form_submitted', 181, { formName: 'Request a demo' }), ev('form_submitted', -1, { formName: 'Request a demo' })]);
    expect(r.engagement.points).toBe(0);
  });

  it('the score is fit plus engagement, clamped to the model\'s range when it has one', () => {
    const events = [ev('form_submitted', 0, { formName: 'Request a demo' }), ev('meeting_booked', 0), ev('email_replied', 0), ev('page_viewed', 0, { url: '/pricing' })];
    const open = engagementOf(events, withModel((x) => { delete x.scoreRange; }));
    expect(open.score).toBe(Math.round(open.fit.points + open.engagement.points));
    expect(open.score).toBeGreaterThan(100);
    // The default model keeps the score a rep sees on a 0–100 scale.
    expect(engagementOf(events).score).toBe(100);
  });

  it('decay uses days, not wall time, so a later "now" lowers the score', () => {
    const events = [ev('email_clicked', 0)];
    const later = evaluate(model, fitLead, events, new Date(NOW.getTime() + 60 * DAY));
    expect(later.engagement.points).toBeLessThan(engagementOf(events).engagement.points);
  });
});
