import { evaluate } from '../../src/engine';
import { fitLead, model, NOW, withModel } from './fixtures';

const fitOf = (profile: Parameters<typeof evaluate>[1], m = model) => evaluate(m, profile, [], NOW);

describe('fit rules', () => {
  it('a senior title at a mid-size software company is grade A, every point explained', () => {
    const r = fitOf(fitLead);
    expect(r.fit).toEqual({ points: 30, grade: 'A' });
    expect(r.reasons.filter((x) => x.kind === 'fit').map((x) => [x.ruleId, x.points, x.value])).toEqual([
      ['senior_title', 15, 'VP Sales'],
      ['company_size_core', 10, 300],
      ['target_industry', 5, 'Software'],
    ]);
  });

  it('a competitor domain costs 30 points and a free-mail address 10', () => {
    expect(fitOf({ email: 'spy@sub.rivalcrm.example', attributes: {} }).fit.points).toBe(-30);
    expect(fitOf({ email: 'joe@Gmail.com', attributes: {} }).fit.points).toBe(-10);
  });

  it('a wrong job title costs 15 points and lands in grade D', () => {
    expect(fitOf({ jobTitle: 'Student', attributes: {} }).fit).toEqual({ points: -15, grade: 'D' });
  });

  it('numeric ranges include their minimum and exclude their maximum', () => {
    expect(fitOf({ companySize: 50, attributes: {} }).fit.points).toBe(10);
    expect(fitOf({ companySize: 5000, attributes: {} }).fit.points).toBe(5);
    expect(fitOf({ companySize: 9, attributes: {} }).fit.points).toBe(-5);
  });

  it('equals, in-list and missing conditions work on attributes too', () => {
    const m = withModel((x) => {
      x.fit.rules = [
        { id: 'src', label: 'from a referral', field: 'attributes.leadSource', when: { op: 'equals', value: 'Reference' }, points: 12 },
        { id: 'occ', label: 'working professional', field: 'attributes.occupation', when: { op: 'in', values: ['Working Professional', 'Businessman'] }, points: 20 },
        { id: 'nocity', label: 'no city given', field: 'attributes.city', when: { op: 'missing' }, points: -3 },
        { id: 'visits', label: '5+ visits', field: 'attributes.visits', when: { op: 'range', min: 5 }, points: 4 },
      ];
    });
    expect(fitOf({ attributes: { leadSource: 'reference', occupation: 'Businessman', city: null, visits: '7' } }, m).fit.points).toBe(12 + 20 - 3 + 4);
    expect(fitOf({ attributes: { leadSource: 'Google', city: 'Mumbai', visits: 2 } }, m).fit.points).toBe(0);
  });

  it('grade bands are model fields', () => {
    const m = withModel((x) => {
      x.fit.grades = { A: 40, B: 30, C: 20 };
    });
    expect(fitOf(fitLead, m).fit.grade).toBe('B');
  });
});
