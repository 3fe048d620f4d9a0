/**
 * npm run calibrate -- --input <export.csv> --config <calibration.json> --out <model.json> [--report <dir>]
 * [--current <model.json>]: fits Kindling's points model to an export's outcomes and writes the model,
 * a text report (stdout) and an HTML report with a lift chart.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { calibrate, parseCalibrationConfig, readCsv, renderHtmlReport, renderTextReport } from '../src/calibrate';
import { loadDefaultModel, scoringModelSchema } from '../src/engine';

const { values } = parseArgs({ options: { input: { type: 'string' }, config: { type: 'string' }, out: { type: 'string' }, report: { type: 'string' }, current: { type: 'string' } } });
if (!values.input || !values.config || !values.out) {
  process.stderr.write('usage: npm run calibrate -- --input <export.csv> --config <calibration.json> --out <model.json> [--report <dir>] [--current <model.json>]\n');
  process.exit(2);
}
const config = parseCalibrationConfig(JSON.parse(readFileSync(values.config, 'utf8')));
const base = loadDefaultModel();
const current = values.current ? scoringModelSchema.parse(JSON.parse(readFileSync(values.current, 'utf8'))) : base;
const { model, report } = calibrate(readCsv(values.input), config, { baseModel: base, currentModel: current });
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(model, null, 2)}\n`);
const reportDir = values.report ?? dirname(values.out);
mkdirSync(reportDir, { recursive: true });
writeFileSync(join(reportDir, 'calibration-report.html'), renderHtmlReport(report));
process.stdout.write(`${renderTextReport(report)}\nmodel: ${values.out}\nreport: ${join(reportDir, 'calibration-report.html')}\n`);
