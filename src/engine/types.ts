import { z } from 'zod';
import type { Grade } from './model';
import type { Stage } from './profile';

export const TRACKS = ['welcome', 'educate', 'handoff', 're_engage', 'suppressed'] as const;
export type Track = (typeof TRACKS)[number];
export type Priority = 'HIGH' | 'MEDIUM' | 'LOW';

/** One contribution to the score or one decision, traced to the rule and the events behind it. */
export interface Reason {
  kind: 'fit' | 'engagement' | 'return' | 'handoff' | 'track' | 'stage';
  ruleId: string;
  label: string;
  points: number;
  /** How many events the rule counted (after caps). */
  count?: number;
  field?: string;
  value?: string | number | boolean | null;
  /** The source event ids behind it, newest first (at most a few). */
  events?: string[];
  /** ISO time of the latest event behind it. */
  at?: string;
}

export interface Handoff {
  id: string;
  at: string;
  reason: string;
  priority: Priority;
}

/** What Kindling stores between evaluations of one contact; passed back as `previous`. */
export const engineStateSchema = z.object({
  track: z.enum(TRACKS),
  trackSince: z.string(),
  handoffs: z.array(z.object({ id: z.string(), at: z.string(), reason: z.string(), priority: z.enum(['HIGH', 'MEDIUM', 'LOW']) })),
  mqlAt: z.string().optional(),
});
export type EngineState = z.infer<typeof engineStateSchema>;

export type Action =
  | { kind: 'set_properties'; idempotencyKey: string; properties: { score: number; grade: Grade; fitScore: number; engagementScore: number; track: Track; reasonsSummary: string; stage?: Stage } }
  | { kind: 'create_task'; idempotencyKey: string; subject: string; body: string; priority: Priority; dueAt: Date; reason: string }
  | { kind: 'enroll'; idempotencyKey: string; track: Track }
  | { kind: 'unenroll'; idempotencyKey: string; track: Track; reason: string }
  | { kind: 'notify'; idempotencyKey: string; text: string; priority: Priority };

export interface EngineResult {
  fit: { points: number; grade: Grade };
  engagement: { points: number };
  score: number;
  /** The stage Kindling proposes: the current one unless it may move forward. */
  stage: Stage;
  track: Track;
  actions: Action[];
  reasons: Reason[];
  state: EngineState;
  /** The next moment the result changes with time alone; undefined when none is due. */
  nextWakeAt?: Date;
}
