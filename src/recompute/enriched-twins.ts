import type { EngineEvent } from '../engine';

/**
 * How far apart a property change and the Events API's record of the same act may be: HubSpot updates a
 * contact's analytics properties minutes after the visit, and lists events with their own delay.
 */
const TWIN_WINDOW_MS = 30 * 60_000;

/**
 * Where an account has the Events API, its detailed events replace the property-derived ones they
 * duplicate, and only those: a form fill the Events API has not listed yet still counts (a demo request
 * must not wait for the next event to hand off). A property event is a twin of a detailed one of the same
 * type within the window, on the same URL where both name one.
 */
export function dropEnrichedTwins(events: EngineEvent[], enrichedSource: string, types: ReadonlySet<string>): EngineEvent[] {
  const detailed = events.filter((e) => e.source === enrichedSource && types.has(e.type)).sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  if (detailed.length === 0) return events;
  const urlOf = (e: EngineEvent) => ('url' in e.attrs ? e.attrs.url : 'pageUrl' in e.attrs ? e.attrs.pageUrl : undefined) as string | undefined;
  return events.filter((e) => {
    if (e.source === enrichedSource || !types.has(e.type)) return true;
    const t = e.occurredAt.getTime();
    const url = urlOf(e);
    // Only the detailed events inside the window, found by binary search: a history of thousands of page
    // views must not compare every pair.
    for (let k = firstAtOrAfter(detailed, t - TWIN_WINDOW_MS); k < detailed.length && detailed[k]!.occurredAt.getTime() <= t + TWIN_WINDOW_MS; k++) {
      const d = detailed[k]!;
      const dUrl = urlOf(d);
      if (d.type === e.type && (e.type !== 'page_viewed' || !url || !dUrl || dUrl === url)) return false;
    }
    return true;
  });
}

/** The index of the first event at or after `t` in events sorted by time. */
function firstAtOrAfter(sorted: EngineEvent[], t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.occurredAt.getTime() < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
