/** The pooled SDK client lives in `client-pool.ts`; re-exported here for the modules that import it from the SDK helpers. */
export { hubspotClient } from './client-pool';

/** The SDK's errors carry the HTTP status as `code` and HubSpot's JSON as `body`. */
export interface HubSpotApiError {
  code: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function asApiError(err: unknown): HubSpotApiError | undefined {
  const e = err as { code?: unknown; body?: unknown; headers?: unknown };
  return typeof e?.code === 'number' ? { code: e.code, body: e.body, headers: (e.headers ?? {}) as Record<string, string> } : undefined;
}

export function messageOf(err: unknown): string {
  const api = asApiError(err);
  const body = api?.body as { message?: string; category?: string } | string | undefined;
  if (body && typeof body === 'object' && body.message) return `${api!.code} ${body.category ?? ''} ${body.message}`.replace(/\s+/g, ' ');
  if (api && err instanceof Error) return `${api.code} ${err.message}`;
  if (typeof body === 'string' && body) return `${api!.code} ${body.slice(0, 300)}`;
  return (err as Error)?.message ?? String(err);
}
