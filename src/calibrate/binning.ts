import type { CalibrationConfig, Row } from './config';

/** One column's encoding: every row falls in exactly one bin, so per-column shifts never change ranking. */
export type Bins =
  | { kind: 'categorical'; column: string; values: string[] /* kept categories, lowercase */; hasOther: boolean }
  | { kind: 'numeric'; column: string; cuts: number[] /* ascending; bin i is [cuts[i-1], cuts[i]) */ };

export const MISSING = '(missing)';
export const OTHER = '(other)';

export function isMissing(value: string | undefined, config: Pick<CalibrationConfig, 'missing'>): boolean {
  const v = (value ?? '').trim();
  return v === '' || config.missing.includes(v);
}

/** Categories with enough training rows keep their own points; the rest share "other". */
export function categoricalBins(column: string, rows: Row[], config: CalibrationConfig): Bins {
  const counts = new Map<string, number>();
  for (const r of rows) {
    if (isMissing(r[column], config)) continue;
    const v = r[column]!.trim().toLowerCase();
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const kept = [...counts.entries()].filter(([, n]) => n >= config.fit.minCategoryRows).map(([v]) => v).sort();
  return { kind: 'categorical', column, values: kept, hasOther: kept.length < counts.size };
}

/**
 * Cut points at the training split's quantiles, de-duplicated (a column where half the rows are 0 gets
 * fewer bins, never an empty one).
 */
export function numericBins(column: string, rows: Row[], config: CalibrationConfig): Bins {
  const values = rows
    .filter((r) => !isMissing(r[column], config))
    .map((r) => Number(r[column]))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const cuts: number[] = [];
  for (let i = 1; i < config.fit.maxBins; i++) {
    const q = values[Math.floor((i * values.length) / config.fit.maxBins)];
    if (q === undefined) continue;
    if (q > values[0]! && (cuts.length === 0 || q > cuts[cuts.length - 1]!)) cuts.push(q);
  }
  return { kind: 'numeric', column, cuts };
}

/** The bin a raw cell falls in, as a label: a category, `(other)`, `(missing)`, or a range like `[2, 5)`. */
export function binOf(bins: Bins, raw: string | undefined, config: Pick<CalibrationConfig, 'missing'>): string {
  if (isMissing(raw, config)) return MISSING;
  if (bins.kind === 'categorical') {
    const v = raw!.trim().toLowerCase();
    return bins.values.includes(v) ? v : OTHER;
  }
  const n = Number(raw);
  if (!Number.isFinite(n)) return MISSING;
  return rangeLabel(bins.cuts, bins.cuts.findIndex((c) => n < c));
}

/** All bin labels of a column, in a stable order. */
export function binLabels(bins: Bins): string[] {
  if (bins.kind === 'categorical') return [...bins.values, ...(bins.hasOther ? [OTHER] : []), MISSING];
  return [...Array.from({ length: bins.cuts.length + 1 }, (_, i) => rangeLabel(bins.cuts, i === bins.cuts.length ? -1 : i)), MISSING];
}

export function rangeOf(bins: Extract<Bins, { kind: 'numeric' }>, label: string): { min?: number; max?: number } {
  const i = binLabels(bins).indexOf(label);
  return { ...(i > 0 ? { min: bins.cuts[i - 1] } : {}), ...(i < bins.cuts.length ? { max: bins.cuts[i] } : {}) };
}

function rangeLabel(cuts: number[], index: number): string {
  const i = index === -1 ? cuts.length : index;
  const lo = i === 0 ? '-∞' : String(cuts[i - 1]);
  const hi = i === cuts.length ? '∞' : String(cuts[i]);
  return `[${lo}, ${hi})`;
}
