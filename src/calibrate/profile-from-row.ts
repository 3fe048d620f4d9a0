import type { EngineEvent, Profile } from '../engine';
import { isMissing } from './binning';
import type { CalibrationConfig, Row } from './config';

/** A contact's profile as the live engine would read it, built from one export row (never the outcome). */
export function profileFromRow(row: Row, config: CalibrationConfig): Profile {
  const profile: Record<string, unknown> & { attributes: Record<string, string | number | null> } = { attributes: {} };
  for (const c of config.columns) {
    const raw = row[c.name];
    const value = isMissing(raw, config) ? null : c.kind === 'numeric' ? Number(raw) : raw!.trim();
    const v = typeof value === 'number' && !Number.isFinite(value) ? null : value;
    if (c.field.startsWith('attributes.')) profile.attributes[c.field.slice(11)] = v;
    else if (v !== null) profile[c.field] = v;
  }
  return profile as Profile;
}

/** Synthetic events for the current model's view of a row: counters and "last activity" columns. */
export function eventsFromRow(row: Row, config: CalibrationConfig, now: Date, id: string): EngineEvent[] {
  const events: EngineEvent[] = [];
  const at = new Date(now.getTime() - 86_400_000);
  for (const spec of config.currentModelEvents) {
    const raw = row[spec.column];
    if (isMissing(raw, config)) continue;
    if (spec.kind === 'count') {
      const n = Math.min(spec.max, Math.max(0, Math.round(Number(raw)) || 0));
      for (let i = 0; i < n; i++) events.push({ type: spec.event.type, occurredAt: at, source: 'export', sourceEventId: `${id}:${spec.column}:${i}`, attrs: spec.event.attrs } as EngineEvent);
    } else {
      const e = spec.map[raw!.trim()];
      if (e) events.push({ type: e.type, occurredAt: at, source: 'export', sourceEventId: `${id}:${spec.column}`, attrs: e.attrs } as EngineEvent);
    }
  }
  return events;
}
