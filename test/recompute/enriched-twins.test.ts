import type { EngineEvent } from '../../src/engine';
import { dropEnrichedTwins } from '../../src/recompute/enriched-twins';

const T = Date.parse('2026-11-20T12:00:00Z');
const ev = (source: string, type: string, minutes: number, attrs: Record<string, unknown> = {}, id = `${source}-${type}-${minutes}`) =>
  ({ type, occurredAt: new Date(T + minutes * 60_000), source, sourceEventId: id, attrs }) as EngineEvent;
const TYPES = new Set(['page_viewed', 'form_submitted']);
const ids = (es: EngineEvent[]) => es.map((e) => e.sourceEventId);

describe('detailed events replace only the property events they duplicate', () => {
  it('drops a property page view with a detailed twin on the same URL nearby, keeps one on another URL', () => {
    const events = [ev('hubspot', 'page_viewed', 0, { url: 'https://x.io/pricing' }, 'p1'), ev('hubspot', 'page_viewed', 0, { url: 'https://x.io/blog' }, 'p2'), ev('hubspot-events', 'page_viewed', 5, { url: 'https://x.io/pricing' }, 'd1')];
    expect(ids(dropEnrichedTwins(events, 'hubspot-events', TYPES))).toEqual(['p2', 'd1']);
  });

  it('keeps a form fill the Events API has not listed yet, so a demo request hands off at once', () => {
    const events = [ev('hubspot-events', 'form_submitted', -120, { formName: 'Newsletter' }, 'd1'), ev('hubspot', 'form_submitted', 0, { formName: 'Request a demo' }, 'p1')];
    expect(ids(dropEnrichedTwins(events, 'hubspot-events', TYPES))).toEqual(['d1', 'p1']);
  });

  it('drops the property form fill once its detailed twin is listed, and leaves other event types alone', () => {
    const events = [ev('hubspot', 'form_submitted', 0, { formName: 'Request a demo' }, 'p1'), ev('hubspot', 'email_opened', 0, {}, 'p2'), ev('hubspot-events', 'form_submitted', 3, { formName: 'Demo request form' }, 'd1')];
    expect(ids(dropEnrichedTwins(events, 'hubspot-events', TYPES))).toEqual(['p2', 'd1']);
  });

  it('changes nothing where the account has no detailed events', () => {
    const events = [ev('hubspot', 'page_viewed', 0, { url: 'https://x.io/pricing' }), ev('hubspot', 'form_submitted', 1)];
    expect(dropEnrichedTwins(events, 'hubspot-events', TYPES)).toBe(events);
  });
});
