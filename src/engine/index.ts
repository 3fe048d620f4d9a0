export { evaluate } from './evaluate';
export { type EngineEvent, engineEventSchema, type EventType, ENGAGEMENT_TYPES } from './events';
export { type ScoringModel, type ScoringModelInput, scoringModelSchema, type Grade } from './model';
export { type Profile, profileSchema, profileValue, type Stage, STAGES, stageRank, stageSchema } from './profile';
export { renderReasons, shortDate } from './render-reasons';
export { type Action, type EngineResult, type EngineState, engineStateSchema, type Reason, type Track, TRACKS } from './types';
export { loadDefaultModel } from './default-model';
