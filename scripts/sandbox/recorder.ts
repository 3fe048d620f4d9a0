export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  query: Record<string, unknown>;
  body: unknown;
  status: number;
  hubId?: number;
}

/** Every request the sandbox answered, so tests and the demo can count calls and see what was written. */
export class Recorder {
  readonly requests: RecordedRequest[] = [];
  add(r: RecordedRequest): void {
    this.requests.push(r);
  }
  find(filter: { method?: string; path?: string | RegExp; status?: number } = {}): RecordedRequest[] {
    return this.requests.filter(
      (r) =>
        (!filter.method || r.method === filter.method) &&
        (!filter.path || (typeof filter.path === 'string' ? r.path === filter.path : filter.path.test(r.path))) &&
        (filter.status === undefined || r.status === filter.status),
    );
  }
  clear(): void {
    this.requests.length = 0;
  }
}
