import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ScoringModel, scoringModelSchema } from './model';

/** The model every tenant starts from (`mappings/scoring.default.json`), validated. */
export function loadDefaultModel(dir = join(__dirname, '../../mappings')): ScoringModel {
  return scoringModelSchema.parse(JSON.parse(readFileSync(join(dir, 'scoring.default.json'), 'utf8')));
}
