import { z } from 'zod';
import { EVENT_TYPES, type EventType, signalKindSchema } from './events';

const ruleId = z.string().regex(/^[a-z0-9_.-]+$/, 'lowercase letters, digits, _ . - only');
const pattern = z.string().refine((p) => {
  try {
    new RegExp(p, 'i');
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

/** Conditions a fit rule can put on one profile field. */
export const fitConditionSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('equals'), value: z.union([z.string(), z.number(), z.boolean()]) }),
  z.object({ op: z.literal('in'), values: z.array(z.union([z.string(), z.number()])).min(1) }),
  /** Present, and none of these (a calibrated model's "other" category). */
  z.object({ op: z.literal('not_in'), values: z.array(z.union([z.string(), z.number()])).min(1) }),
  z.object({ op: z.literal('regex'), pattern }),
  /** `min` inclusive, `max` exclusive; either may be open. */
  z.object({ op: z.literal('range'), min: z.number().optional(), max: z.number().optional() }),
  /** On an email or domain field: the domain (or a parent domain) is in the list. */
  z.object({ op: z.literal('domain_in'), domains: z.array(z.string().min(1)).min(1) }),
  z.object({ op: z.literal('missing') }),
]);

export const fitRuleSchema = z.object({
  id: ruleId,
  label: z.string().min(1),
  field: z.string().min(1),
  when: fitConditionSchema,
  points: z.number(),
});

const eventType = z.enum(EVENT_TYPES as [EventType, ...EventType[]]);

export const eventMatcherSchema = z.object({
  url: pattern.optional(),
  formName: pattern.optional(),
  formId: z.string().optional(),
  emailId: z.string().optional(),
  signalKinds: z.array(signalKindSchema).optional(),
});

export const engagementRuleSchema = z.object({
  id: ruleId,
  label: z.string().min(1),
  event: z.union([eventType, z.array(eventType).min(1)]),
  match: eventMatcherSchema.optional(),
  points: z.number(),
  /** At most `max` counted events per rule in each `windowDays` window: 40 refreshes are not 40 visits. */
  cap: z.object({ max: z.number().int().positive(), windowDays: z.number().positive() }).optional(),
  /** Whether the model's half-life applies (an unsubscribe does not fade). */
  decays: z.boolean().default(true),
  /** Signals: points scale with the signal's strength (0..1). */
  scaleByStrength: z.boolean().default(false),
  /** Signals: may re-open a contact that went quiet (re-engage or suppressed for silence). */
  reopens: z.boolean().default(false),
  /** "Came back": a bonus once `count` matching events fall within `withinDays` (pricing page returns). */
  returns: z.object({ count: z.number().int().min(2), withinDays: z.number().positive(), points: z.number(), label: z.string().min(1) }).optional(),
});

export const handoffEventSchema = z.object({
  id: ruleId,
  label: z.string().min(1),
  event: eventType,
  match: eventMatcherSchema.optional(),
  priority: z.enum(['HIGH', 'MEDIUM', 'LOW']).default('HIGH'),
});

export const gradeSchema = z.enum(['A', 'B', 'C', 'D']);

export const scoringModelSchema = z
  .object({
    version: z.number().int().positive(),
    name: z.string().min(1),
    /** Events older than this contribute nothing: bounded cost, and old behaviour stops counting. */
    horizonDays: z.number().positive().max(3650).default(180),
    halfLifeDays: z.number().positive(),
    fit: z.object({
      rules: z.array(fitRuleSchema),
      /** Minimum fit points for each grade; below `C` is D. */
      grades: z.object({ A: z.number(), B: z.number(), C: z.number() }).refine((g) => g.A >= g.B && g.B >= g.C, 'grade bands must satisfy A >= B >= C'),
    }),
    engagement: z.object({ rules: z.array(engagementRuleSchema) }),
    mql: z.object({
      threshold: z.number(),
      /** Once handed off, the contact stays in handoff until the score falls this far under the threshold. */
      hysteresis: z.number().min(0).default(5),
      minGrade: gradeSchema.optional(),
    }),
    handoff: z.object({
      instant: z.array(handoffEventSchema),
      /** Another instant event within this many days of a handoff is the same handoff (one task). */
      cooldownDays: z.number().positive().default(30),
      /** A handoff older than this when Kindling first sees it gets no task (it is history, not news). */
      maxAgeDays: z.number().positive().default(14),
      /** Hours from handoff to task due, by priority. */
      slaHours: z.object({ HIGH: z.number().positive(), MEDIUM: z.number().positive(), LOW: z.number().positive() }),
      notify: z.array(z.enum(['HIGH', 'MEDIUM', 'LOW'])).default(['HIGH']),
    }),
    tracks: z.object({
      welcomeDays: z.number().positive().default(14),
      silenceDays: z.number().positive(),
      /** Re-engage touches, one per interval; no response after the last one suppresses the contact. */
      reEngageTouches: z.number().int().positive().default(3),
      reEngageIntervalDays: z.number().positive().default(7),
    }),
    /** Optional clamp of the combined score (e.g. 0..100). Off by default: ranking stays faithful. */
    scoreRange: z.object({ min: z.number(), max: z.number() }).optional(),
  })
  .superRefine((m, ctx) => {
    const ids = [...m.fit.rules, ...m.engagement.rules, ...m.handoff.instant].map((r) => r.id);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) ctx.addIssue({ code: 'custom', message: `rule id "${dup}" is used twice`, path: ['rules'] });
  });

export type ScoringModel = z.infer<typeof scoringModelSchema>;
export type ScoringModelInput = z.input<typeof scoringModelSchema>;
export type FitRule = z.infer<typeof fitRuleSchema>;
export type EngagementRule = z.infer<typeof engagementRuleSchema>;
export type EventMatcher = z.infer<typeof eventMatcherSchema>;
export type Grade = z.infer<typeof gradeSchema>;
