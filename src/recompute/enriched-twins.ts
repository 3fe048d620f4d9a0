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
  const detailed = events.filter((e) => e.source === enrichedSource && types.has(e.type));
  if (detailed.length === 0) return events;
  const urlOf = (e: EngineEvent) => ('url' in e.attrs ? e.attrs.url : 'pageUrl' in e.attrs ? e.attrs.pageUrl : undefined) as string | undefined;
  return events.filter((e) => {
    if (e.source === enrichedSource || !types.has(e.type)) return true;
    const t = e.occurredAt.getTime();
    const url = urlOf(e);
    return !detailed.some((d) => d.type === e.type && Math.abs(d.occurredAt.getTime() - t) <= TWIN_WINDOW_MS && (e.type !== 'page_viewed' || !url || !urlOf(d) || urlOf(d) === url));
  });
}
