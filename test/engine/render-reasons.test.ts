import { evaluate, type Reason, renderReasons, shortDate } from '../../src/engine';
import { ev, fitLead, model, NOW } from './fixtures';

describe('renderReasons', () => {
  it('reads like a rep note: largest contributions first, counts, dates and fit values', () => {
    const r = evaluate(model, fitLead, [
      ev('form_submitted', 0, { formName: 'Request a demo' }),
      ev('page_viewed', 2, { url: '/pricing' }), ev('page_viewed', 2.1, { url: '/pricing' }), ev('page_viewed', 1, { url: '/pricing' }),
    ], NOW);
    expect(renderReasons(r.reasons, { max: 3 })).toBe('+43 visited pricing 3× (Nov 19) · +25 requested a demo (Nov 20) · +15 senior title: VP Sales');
  });

  it('shows penalties with a minus sign and leaves out zero-point reasons', () => {
    const reasons: Reason[] = [
      { kind: 'fit', ruleId: 'free_mail', label: 'free-mail address', points: -10, field: 'emailDomain', value: 'gmail.com' },
      { kind: 'engagement', ruleId: 'tiny', label: 'faded visit', points: 0.2, count: 1, at: '2026-01-05T00:00:00.000Z' },
      { kind: 'track', ruleId: 'track.educate', label: 'nurturing', points: 0 },
    ];
    expect(renderReasons(reasons)).toBe('−10 free-mail address: gmail.com');
  });

  it('formats dates the same way on every machine, in UTC', () => {
    expect(shortDate('2026-11-20T23:59:00.000Z')).toBe('Nov 20');
    expect(shortDate(new Date('2026-01-01T00:30:00+01:00'))).toBe('Dec 31');
  });
});
