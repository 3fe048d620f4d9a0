import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { calibrate, chooseThreshold, LeakageRefused, parseCalibrationConfig, parseCsv, readCsv, renderHtmlReport, renderTextReport, scoreRows } from '../../src/calibrate';
import { binOf, categoricalBins, MISSING, numericBins, OTHER } from '../../src/calibrate/binning';
import { profileFromRow } from '../../src/calibrate/profile-from-row';
import { evaluate, loadDefaultModel } from '../../src/engine';

const ROOT = resolve(__dirname, '../..');
const XED = [resolve(ROOT, '../shared/data/x-education/leads-train.csv'), '/work/shared/data/x-education/leads-train.csv'].find(existsSync)!;
const xConfig = parseCalibrationConfig(JSON.parse(readFileSync(join(ROOT, 'mappings/calibration/x-education.json'), 'utf8')));
const base = loadDefaultModel();

const tiny = parseCalibrationConfig({
  idColumn: 'id',
  outcome: { column: 'won', positive: ['yes'] },
  missing: ['Select'],
  leaking: ['notes'],
  columns: [{ name: 'source', kind: 'categorical', field: 'attributes.source' }, { name: 'visits', kind: 'numeric', field: 'attributes.visits' }],
  goal: { kind: 'precision', target: 0.7 },
  fit: { minCategoryRows: 5, maxBins: 4 },
});

/** A synthetic export where referrals and many visits convert. */
function synthetic(n: number): Array<Record<string, string>> {
  let s = 1;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  return Array.from({ length: n }, (_, i) => {
    const source = ['referral', 'google', 'ads', 'Select'][Math.floor(rnd() * 4)]!;
    const visits = Math.floor(rnd() * 20);
    const p = (source === 'referral' ? 0.5 : 0.1) + visits / 50;
    return { id: `c${i}`, source, visits: String(visits), won: rnd() < p ? 'yes' : 'no', notes: '' };
  });
}

describe('binning', () => {
  it('cuts numeric columns at training quantiles, without empty or duplicate bins', () => {
    const rows = [0, 0, 0, 0, 0, 0, 1, 2, 3, 10].map((v) => ({ v: String(v) }));
    const bins = numericBins('v', rows, { ...tiny, fit: { ...tiny.fit, maxBins: 4 } });
    // Quartiles fall at 0, 0 and 2: the zeros give no cut of their own (no empty bin), 2 gives one.
    expect(bins).toEqual({ kind: 'numeric', column: 'v', cuts: [2] });
    expect(binOf(bins, '0', tiny)).toBe('[-∞, 2)');
    expect(binOf(bins, '1', tiny)).toBe('[-∞, 2)');
    expect(binOf(bins, '2', tiny)).toBe('[2, ∞)');
    expect(binOf(bins, '99', tiny)).toBe('[2, ∞)');
    expect(binOf(bins, '', tiny)).toBe(MISSING);
  });

  it('keeps frequent categories, pools rare ones as other, and treats missing markers as missing', () => {
    const rows = [...Array(6).fill({ s: 'Google' }), ...Array(2).fill({ s: 'Fax' }), { s: 'Select' }];
    const bins = categoricalBins('s', rows, tiny);
    expect(bins).toEqual({ kind: 'categorical', column: 's', values: ['google'], hasOther: true });
    expect(binOf(bins, 'GOOGLE', tiny)).toBe('google');
    expect(binOf(bins, 'Fax', tiny)).toBe(OTHER);
    expect(binOf(bins, 'Select', tiny)).toBe(MISSING);
  });
});

describe('calibration', () => {
  it('refuses a config that would fit on a leaking column or the outcome', () => {
    const input = { ...JSON.parse(JSON.stringify(tiny)), columns: [...tiny.columns, { name: 'notes', kind: 'categorical', field: 'attributes.notes' }] };
    expect(() => parseCalibrationConfig(input)).toThrow(LeakageRefused);
    const outcome = { ...JSON.parse(JSON.stringify(tiny)), columns: [{ name: 'won', kind: 'categorical', field: 'attributes.won' }] };
    expect(() => parseCalibrationConfig(outcome)).toThrow(/won/);
    // The library refuses it too, for a config that never went through the parser.
    const unparsed = { ...tiny, columns: [...tiny.columns, { name: 'notes', kind: 'categorical' as const, field: 'attributes.notes' }] };
    expect(() => calibrate(synthetic(200), unparsed, { baseModel: base })).toThrow(LeakageRefused);
  });

  it('chooses the lowest threshold that reaches the precision goal, or the cut that fits sales capacity', () => {
    const scores = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    const won = [0, 0, 0, 1, 0, 1, 1, 1, 1, 1];
    expect(chooseThreshold(scores, won, { kind: 'precision', target: 0.8 })).toBe(40);
    expect(chooseThreshold(scores, won, { kind: 'precision', target: 1 })).toBe(60);
    expect(chooseThreshold(scores, won, { kind: 'capacity', mqlsPerPeriod: 3, contactsPerPeriod: 10 })).toBe(80);
  });

  it('learns the synthetic truth: referrals and visits earn points', () => {
    const { model, report } = calibrate(synthetic(2000), tiny, { baseModel: base });
    const pts = (label: string) => report.points.find((p) => p.bin === label)?.points ?? 0;
    expect(pts('referral')).toBeGreaterThan(pts('google'));
    expect(report.heldOut.auc).toBeGreaterThan(0.7);
    expect(model.engagement.rules).toEqual([]);
    expect(model.fit.rules.every((r) => r.field.startsWith('attributes.'))).toBe(true);
  });

  it('is deterministic for a seed, and the config\'s seed is what decides the split', () => {
    const a = calibrate(synthetic(1000), tiny, { baseModel: base });
    const b = calibrate(synthetic(1000), tiny, { baseModel: base });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const reseeded = calibrate(synthetic(1000), { ...tiny, split: { ...tiny.split, seed: tiny.split.seed + 1 } }, { baseModel: base });
    expect(reseeded.report.heldOut.auc).not.toBe(a.report.heldOut.auc);
  });

  it('scores through the live engine: the CLI scores equal evaluate()', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcal-'));
    const rows = synthetic(600);
    const csv = ['id,source,visits,won,notes', ...rows.map((r) => `${r.id},${r.source},${r.visits},${r.won},`)].join('\n');
    writeFileSync(join(dir, 'export.csv'), csv);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(tiny));
    const tsx = join(ROOT, 'node_modules/.bin/tsx');
    execFileSync(tsx, ['scripts/calibrate.ts', '--input', join(dir, 'export.csv'), '--config', join(dir, 'config.json'), '--out', join(dir, 'model.json')], { cwd: ROOT });
    // The outcome column is dropped from what `score` reads.
    writeFileSync(join(dir, 'contacts.csv'), ['id,source,visits', ...rows.map((r) => `${r.id},${r.source},${r.visits}`)].join('\n'));
    execFileSync(tsx, ['scripts/score.ts', '--model', join(dir, 'model.json'), '--config', join(dir, 'config.json'), '--input', join(dir, 'contacts.csv'), '--out', join(dir, 'scores.csv')], { cwd: ROOT });
    const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const scored = parseCsv(readFileSync(join(dir, 'scores.csv'), 'utf8'));
    expect(scored).toHaveLength(rows.length);
    expect(Object.keys(scored[0]!)).toEqual(['id', 'score', 'grade', 'mql']);
    const now = new Date('2026-01-01T00:00:00Z');
    for (const [i, r] of rows.entries()) {
      const direct = evaluate(model, profileFromRow(r, tiny), [], now);
      expect(scored[i]).toEqual({ id: r.id, score: String(direct.score), grade: direct.fit.grade, mql: String(direct.score >= model.mql.threshold) });
    }
    expect(readFileSync(join(dir, 'calibration-report.html'), 'utf8')).toContain('<svg role="img" aria-label="Lift by score decile');
    // `score` never reads the outcome: the same rows with the outcome column present, and flipped, score the same.
    writeFileSync(join(dir, 'with-outcome.csv'), ['id,source,visits,won', ...rows.map((r) => `${r.id},${r.source},${r.visits},${r.won === 'yes' ? 'no' : 'yes'}`)].join('\n'));
    execFileSync(tsx, ['scripts/score.ts', '--model', join(dir, 'model.json'), '--config', join(dir, 'config.json'), '--input', join(dir, 'with-outcome.csv'), '--out', join(dir, 'scores-2.csv')], { cwd: ROOT });
    expect(parseCsv(readFileSync(join(dir, 'scores-2.csv'), 'utf8'))).toEqual(scored);
  });
});

describe('calibration on the X Education export (real data)', () => {
  it('reaches a held-out AUC of at least 0.90, far above the hand-set default model', () => {
    const { model, report } = calibrate(readCsv(XED), xConfig, { baseModel: base, currentModel: base });
    expect(report.rows.train + report.rows.test).toBe(6449);
    expect(report.heldOut.auc).toBeGreaterThanOrEqual(0.9);
    expect(report.current!.auc).toBeLessThan(report.heldOut.auc);
    expect(model.fit.rules.some((r) => /tags|lead quality|asymmetrique/i.test(r.label))).toBe(false);
    // The top decile converts far above average.
    expect(report.heldOut.deciles[0]!.lift).toBeGreaterThan(2);
    const scores = scoreRows(model, xConfig, readCsv(XED).slice(0, 5));
    expect(scores.map((s) => s.id)).toEqual(readCsv(XED).slice(0, 5).map((r) => r['Prospect ID']));

    // The reports an admin takes to sales: both models at their thresholds, F1, points largest first.
    const text = renderTextReport(report);
    expect(text).toContain(`Held-out AUC: ${report.heldOut.auc.toFixed(3)} calibrated vs ${report.current!.auc.toFixed(3)} current model`);
    expect(text).toMatch(/At the threshold, held out: \d+ MQLs .* F1 0\.\d{3}/);
    expect(text).toMatch(/Current model at its threshold \(\d+\): \d+ MQLs, precision .* F1 /);
    const shown = [...text.matchAll(/^ +(-?\d+) {2}\S.*\(\d+ rows\)$/gm)].map((m) => Number(m[1]));
    expect(shown.length).toBeGreaterThan(5);
    expect(shown).toEqual([...shown].sort((a, b) => b - a));
    const html = renderHtmlReport(report);
    expect(html).toContain('<h2>Against the current model</h2>');
    expect(html).toContain(`<td class="n">${report.current!.auc.toFixed(3)}</td>`);
    expect(html).toContain('F1 at threshold');
  });
});
