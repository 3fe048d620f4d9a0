import type { CompiledModel } from './compile';
import type { Grade } from './model';
import { type Profile, profileValue } from './profile';
import type { Reason } from './types';

export interface FitScore {
  points: number;
  grade: Grade;
  reasons: Reason[];
}

/** Points for who the contact is, and the grade those points fall in. */
export function scoreFit(cm: CompiledModel, profile: Profile): FitScore {
  let points = 0;
  const reasons: Reason[] = [];
  for (const { rule, test } of cm.fit) {
    const value = profileValue(profile, rule.field);
    if (!test(value)) continue;
    points += rule.points;
    reasons.push({ kind: 'fit', ruleId: rule.id, label: rule.label, points: rule.points, field: rule.field, value: value ?? null });
  }
  const g = cm.model.fit.grades;
  const grade: Grade = points >= g.A ? 'A' : points >= g.B ? 'B' : points >= g.C ? 'C' : 'D';
  return { points, grade, reasons };
}
