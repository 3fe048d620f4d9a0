/**
 * HubSpot's burst limit for OAuth apps: a rolling window per installed account (110 requests per 10 s by
 * default), answered with 429 `TEN_SECONDLY_ROLLING` and its rate-limit headers.
 */
export class RollingWindow {
  private readonly hits = new Map<string, number[]>();
  constructor(
    readonly max: number,
    readonly intervalMs: number,
  ) {}

  /** Counts a request; returns the remaining budget, or -1 when over the limit (not counted). */
  take(key: string, now = Date.now()): number {
    const list = (this.hits.get(key) ?? []).filter((t) => now - t < this.intervalMs);
    if (list.length >= this.max) {
      this.hits.set(key, list);
      return -1;
    }
    list.push(now);
    this.hits.set(key, list);
    return this.max - list.length;
  }

  /** Milliseconds until the oldest request in the window leaves it. */
  retryAfterMs(key: string, now = Date.now()): number {
    const list = this.hits.get(key) ?? [];
    return list.length === 0 ? 0 : Math.max(0, this.intervalMs - (now - list[0]!));
  }
}

export interface Faults {
  /** Share of API requests answered 502, 0..1. */
  errorRate: number;
  /** The next N API requests get a 429 whatever the budget. */
  force429: number;
  /** Added latency per API request. */
  latencyMs: number;
  /** The next N writes are applied, then the connection is dropped: an ambiguous failure. */
  dropAfterApply: number;
}

export const noFaults = (): Faults => ({ errorRate: 0, force429: 0, latencyMs: 0, dropAfterApply: 0 });
