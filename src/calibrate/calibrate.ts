import { evaluate, type ScoringModel, scoringModelSchema } from '../engine';
import type { FitRule } from '../engine/model';
import { binLabels, binOf, type Bins, categoricalBins, MISSING, numericBins, OTHER, rangeOf } from './binning';
import { type CalibrationConfig, refuseLeakage, type Row } from './config';
import { fitLogistic } from './logistic';
import { type AtThreshold, atThreshold, auc, type Decile, deciles } from './metrics';
import { eventsFromRow, profileFromRow } from './profile-from-row';
import { splitRows } from './split';

export interface PointsRow {
  column: string;
  bin: string;
  points: number;
  trainRows: number;
}

export interface CalibrationReport {
  name: string;
  rows: { train: number; test: number; conversionRate: number };
  threshold: number;
  goal: CalibrationConfig['goal'];
  heldOut: { auc: number; atThreshold: AtThreshold; deciles: Decile[] };
  current?: { name: string; auc: number; atThreshold: AtThreshold };
  points: PointsRow[];
}

export interface CalibrateOptions {
  /** The tenant's current model, scored on the same held-out rows for comparison. */
  currentModel?: ScoringModel;
  /** The base the calibrated model keeps for everything but fit (handoff, tracks, engagement). */
  baseModel: ScoringModel;
  now?: Date;
}

const isPositive = (row: Row, config: CalibrationConfig) => config.outcome.positive.includes((row[config.outcome.column] ?? '').trim());

/**
 * Fits an additive points model to an export's outcomes and writes it in the engine's own format: every
 * category and numeric range of a used column gets points, so each point of a score stays explainable.
 * Fitted on a training split only; judged on a held-out split it never saw; deterministic for a seed.
 */
export function calibrate(rows: Row[], config: CalibrationConfig, opts: CalibrateOptions): { model: ScoringModel; report: CalibrationReport } {
  // Whoever built the config (a file, the setup screen), a leaking column never reaches the fit.
  refuseLeakage(config);
  const now = opts.now ?? new Date('2026-01-01T00:00:00Z');
  const labelled = rows.filter((r) => (r[config.outcome.column] ?? '').trim() !== '');
  const { train, test } = splitRows(labelled, config.split.holdout, config.split.seed);
  if (train.length < 50 || test.length < 20) throw new Error(`too few labelled rows to calibrate (${train.length} train, ${test.length} held out)`);

  const bins: Bins[] = config.columns.map((c) => (c.kind === 'numeric' ? numericBins(c.name, train, config) : categoricalBins(c.name, train, config)));
  const index = new Map<string, number>();
  for (const b of bins) for (const label of binLabels(b)) index.set(`${b.column}\u0000${label}`, index.size);
  const encode = (row: Row) => bins.map((b) => index.get(`${b.column}\u0000${binOf(b, row[b.column], config)}`)!);
  const y = train.map((r) => (isPositive(r, config) ? 1 : 0));
  const { weights } = fitLogistic(train.map(encode), y, index.size, config.fit.l2);

  const counts = new Map<number, number>();
  for (const r of train) for (const j of encode(r)) counts.set(j, (counts.get(j) ?? 0) + 1);
  const span = bins.reduce((sum, b) => {
    const ws = binLabels(b).map((l) => weights[index.get(`${b.column}\u0000${l}`)!]!);
    return sum + Math.max(...ws) - Math.min(...ws);
  }, 0);
  const scale = span > 0 ? config.fit.pointsSpan / span : 1;

  const rules: FitRule[] = [];
  const points: PointsRow[] = [];
  bins.forEach((b, ci) => {
    const column = config.columns[ci]!;
    const labels = binLabels(b);
    const ws = labels.map((l) => weights[index.get(`${b.column}\u0000${l}`)!]!);
    const floor = Math.min(...ws);
    labels.forEach((label, li) => {
      const p = Math.round((ws[li]! - floor) * scale);
      const trainRows = counts.get(index.get(`${b.column}\u0000${label}`)!) ?? 0;
      points.push({ column: column.label ?? column.name, bin: label, points: p, trainRows });
      if (p === 0 || trainRows === 0) return;
      rules.push({ id: ruleId(column.name, label, rules.length), label: `${column.label ?? column.name}: ${label}`, field: column.field, when: condition(b, label), points: p });
    });
  });

  const fitOnly = scoringModelSchema.parse({ ...opts.baseModel, fit: { rules, grades: { A: 0, B: 0, C: 0 } }, engagement: { rules: [] } });
  const trainScores = train.map((r) => evaluate(fitOnly, profileFromRow(r, config), [], now).score);
  const threshold = chooseThreshold(trainScores, y, config.goal);
  const sorted = [...trainScores].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.floor(p * (sorted.length - 1))]!;
  const model = scoringModelSchema.parse({
    ...opts.baseModel,
    version: 1,
    name: config.name,
    fit: { rules, grades: { A: Math.max(threshold, q(0.5)), B: Math.min(threshold, q(0.5)), C: Math.min(threshold, q(0.25)) } },
    engagement: { rules: [] },
    mql: { threshold, hysteresis: opts.baseModel.mql.hysteresis },
  });

  const testY = test.map((r) => (isPositive(r, config) ? 1 : 0));
  const testScores = test.map((r) => evaluate(model, profileFromRow(r, config), [], now).score);
  const report: CalibrationReport = {
    name: config.name,
    rows: { train: train.length, test: test.length, conversionRate: labelled.filter((r) => isPositive(r, config)).length / labelled.length },
    threshold,
    goal: config.goal,
    heldOut: { auc: auc(testScores, testY), atThreshold: atThreshold(testScores, testY, threshold), deciles: deciles(testScores, testY) },
    points: points.sort((a, b) => b.points - a.points || a.column.localeCompare(b.column)),
  };
  if (opts.currentModel) {
    const cur = opts.currentModel;
    const curScores = test.map((r, i) => evaluate(cur, profileFromRow(r, config), eventsFromRow(r, config, now, String(i)), now).score);
    report.current = { name: cur.name, auc: auc(curScores, testY), atThreshold: atThreshold(curScores, testY, cur.mql.threshold) };
  }
  return { model, report };
}

/** Scores export rows with the engine itself, as the live connector would. Never reads the outcome. */
export function scoreRows(model: ScoringModel, config: CalibrationConfig, rows: Row[], now = new Date('2026-01-01T00:00:00Z')) {
  return rows.map((r) => {
    const result = evaluate(model, profileFromRow(withoutOutcome(r, config), config), [], now);
    return { id: r[config.idColumn] ?? '', score: result.score, grade: result.fit.grade, mql: result.score >= model.mql.threshold };
  });
}

function withoutOutcome(row: Row, config: CalibrationConfig): Row {
  const { [config.outcome.column]: _outcome, ...rest } = row;
  return rest;
}

/**
 * The threshold for the goal, chosen on the training split: the lowest score whose precision reaches the
 * target, or the highest cut that keeps MQLs within what sales can work.
 */
export function chooseThreshold(scores: number[], outcomes: number[], goal: CalibrationConfig['goal']): number {
  const candidates = [...new Set(scores)].sort((a, b) => a - b);
  if (goal.kind === 'precision') {
    for (const t of candidates) {
      const m = atThreshold(scores, outcomes, t);
      if (m.mqls >= Math.max(5, scores.length * 0.005) && m.precision >= goal.target) return t;
    }
    return candidates[candidates.length - 1]!;
  }
  const rate = Math.min(1, goal.mqlsPerPeriod / goal.contactsPerPeriod);
  for (const t of candidates) {
    if (atThreshold(scores, outcomes, t).mqlRate <= rate) return t;
  }
  return candidates[candidates.length - 1]! + 1;
}

function condition(b: Bins, label: string): FitRule['when'] {
  if (label === MISSING) return { op: 'missing' };
  if (b.kind === 'categorical') return label === OTHER ? { op: 'not_in', values: b.values } : { op: 'equals', value: label };
  return { op: 'range', ...rangeOf(b, label) };
}

function ruleId(column: string, label: string, n: number): string {
  const slug = `${column}_${label}`.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 48);
  return `cal.${n}.${slug || 'bin'}`;
}
