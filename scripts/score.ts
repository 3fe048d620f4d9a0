/**
 * npm run score -- --model <model.json> --config <calibration.json> --input <contacts.csv> --out <scores.csv>:
 * scores an export with the live engine; columns id,score,grade,mql, one row per input row.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseCalibrationConfig, readCsv, scoreRows, toCsv } from '../src/calibrate';
import { scoringModelSchema } from '../src/engine';

const { values } = parseArgs({ options: { model: { type: 'string' }, config: { type: 'string' }, input: { type: 'string' }, out: { type: 'string' } } });
if (!values.model || !values.config || !values.input || !values.out) {
  process.stderr.write('usage: npm run score -- --model <model.json> --config <calibration.json> --input <contacts.csv> --out <scores.csv>\n');
  process.exit(2);
}
const model = scoringModelSchema.parse(JSON.parse(readFileSync(values.model, 'utf8')));
const config = parseCalibrationConfig(JSON.parse(readFileSync(values.config, 'utf8')));
const scored = scoreRows(model, config, readCsv(values.input));
writeFileSync(values.out, toCsv(['id', 'score', 'grade', 'mql'], scored.map((s) => [s.id, String(s.score), s.grade, String(s.mql)])));
process.stdout.write(`scored ${scored.length} rows → ${values.out} (${scored.filter((s) => s.mql).length} MQLs at ${model.mql.threshold})\n`);
