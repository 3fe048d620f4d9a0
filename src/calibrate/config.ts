import { z } from 'zod';

const syntheticEvent = z.object({
  type: z.string().min(1),
  attrs: z.record(z.string(), z.unknown()).default({}),
});

/** What a calibration reads from an export, and what it aims for. Validated at the boundary. */
export const calibrationConfigSchema = z.object({
  name: z.string().default('calibrated'),
  idColumn: z.string().min(1),
  outcome: z.object({ column: z.string().min(1), positive: z.array(z.string()).min(1) }),
  /** Values that mean "not filled in" (e.g. a form's default `Select`). Empty cells always are. */
  missing: z.array(z.string()).default([]),
  /** Columns filled in after contact (by sales): they leak the outcome and are refused. */
  leaking: z.array(z.string()).default([]),
  columns: z
    .array(
      z.object({
        name: z.string().min(1),
        kind: z.enum(['categorical', 'numeric']),
        /** The canonical profile field the live engine reads it from: a known field or `attributes.<name>`. */
        field: z.string().min(1),
        label: z.string().optional(),
      }),
    )
    .min(1),
  goal: z.discriminatedUnion('kind', [
    /** The lowest threshold whose precision on the training split reaches `target`. */
    z.object({ kind: z.literal('precision'), target: z.number().gt(0).lte(1) }),
    /** As many MQLs as sales can work: `mqlsPerPeriod` out of `contactsPerPeriod` new contacts. */
    z.object({ kind: z.literal('capacity'), mqlsPerPeriod: z.number().positive(), contactsPerPeriod: z.number().positive() }),
  ]),
  split: z.object({ holdout: z.number().gt(0).lt(1).default(0.3), seed: z.number().int().default(42) }).default({ holdout: 0.3, seed: 42 }),
  fit: z
    .object({
      /** L2 penalty on the log-odds weights. */
      l2: z.number().min(0).default(1),
      /** Numeric columns are cut at quantiles into at most this many bins. */
      maxBins: z.number().int().min(2).max(20).default(8),
      /** A category needs this many training rows to get its own points; rarer ones share "other". */
      minCategoryRows: z.number().int().min(1).default(30),
      /** Points are scaled so the spread between the lowest and highest possible score is about this. */
      pointsSpan: z.number().positive().default(100),
    })
    .default({ l2: 1, maxBins: 8, minCategoryRows: 30, pointsSpan: 100 }),
  /**
   * How the current (hand-set) model sees a row, for the side-by-side comparison: engagement counters and
   * "last activity" columns become synthetic events.
   */
  currentModelEvents: z
    .array(
      z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('count'), column: z.string(), event: syntheticEvent, max: z.number().int().positive().default(20) }),
        z.object({ kind: z.literal('value'), column: z.string(), map: z.record(z.string(), syntheticEvent) }),
      ]),
    )
    .default([]),
});

export type CalibrationConfig = z.infer<typeof calibrationConfigSchema>;
export type CalibrationConfigInput = z.input<typeof calibrationConfigSchema>;
export type Row = Record<string, string>;

export class LeakageRefused extends Error {
  constructor(readonly columns: string[]) {
    super(`refusing to use columns that leak the outcome (filled in after contact): ${columns.join(', ')}`);
    this.name = 'LeakageRefused';
  }
}

/** Parses a config and refuses one that would train on leaking columns or on the outcome itself. */
export function parseCalibrationConfig(input: unknown): CalibrationConfig {
  const config = calibrationConfigSchema.parse(input);
  refuseLeakage(config);
  return config;
}

/** Throws `LeakageRefused` when a used column leaks the outcome or is the outcome; `calibrate` checks too. */
export function refuseLeakage(config: CalibrationConfig): void {
  const leaking = new Set([...config.leaking, config.outcome.column]);
  const bad = config.columns.map((c) => c.name).filter((n) => leaking.has(n));
  if (bad.length > 0) throw new LeakageRefused(bad);
}
