import { Client } from '@hubspot/api-client';

/** A warmed client costs ~20 KB: 200 of them bound the pool near 4 MB however many tenants a process serves. */
const MAX_CLIENTS = 200;
const pool = new Map<string, Client>();

/**
 * A pooled `@hubspot/api-client` per (API base, access token), least-recently-used first out, so a process
 * never keeps one client per tenant forever (a refreshed token simply ages its old client out). The SDK's
 * own retries are off: Kindling's writer owns retry policy and the shared per-account rate limit.
 */
export function hubspotClient(basePath: string, accessToken?: string): Client {
  const key = `${basePath}|${accessToken ?? ''}`;
  const hit = pool.get(key);
  if (hit) {
    // Re-inserting moves the entry to the young end of the Map's insertion order.
    pool.delete(key);
    pool.set(key, hit);
    return hit;
  }
  const client = new Client({ basePath, numberOfApiCallRetries: 0, ...(accessToken ? { accessToken } : {}) });
  pool.set(key, client);
  if (pool.size > MAX_CLIENTS) pool.delete(pool.keys().next().value!);
  return client;
}

/** How many clients the pool holds now (for tests and the metrics endpoint). */
export const hubspotClientPoolSize = () => pool.size;
