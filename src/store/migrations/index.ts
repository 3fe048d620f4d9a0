import type { Migration } from 'kysely';
import * as initial from './001-initial';
import * as transitions from './002-transitions';
import * as recomputeFailures from './003-recompute-failures';
import * as erasedContacts from './004-erased-contacts';

/**
 * Every migration, in order. Explicit rather than read from the directory, so the same list runs from
 * TypeScript sources under jest and from `dist/` in production. Never edit a released migration: add one.
 */
export const migrations: Record<string, Migration> = {
  '001-initial': initial,
  '002-transitions': transitions,
  '003-recompute-failures': recomputeFailures,
  '004-erased-contacts': erasedContacts,
};
