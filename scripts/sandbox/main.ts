/**
 * `npm run sandbox`: the CRM sandbox on its own (default port 4010), for a Kindling started elsewhere.
 * Its limits and faults come from the environment, so a benchmark can show Kindling against them:
 * SANDBOX_PORT, SANDBOX_HUBSPOT_BURST_PER_10S (110), SANDBOX_SALESFORCE_DAILY_LIMIT (100000),
 * SANDBOX_ERROR_RATE (0..1, answered 502/503), SANDBOX_LATENCY_MS. POST /_sandbox/faults changes faults live.
 */
import { startSandbox } from './index';

const num = (name: string) => (process.env[name] !== undefined && process.env[name] !== '' ? Number(process.env[name]) : undefined);
const bad = ['SANDBOX_PORT', 'SANDBOX_HUBSPOT_BURST_PER_10S', 'SANDBOX_SALESFORCE_DAILY_LIMIT', 'SANDBOX_ERROR_RATE', 'SANDBOX_LATENCY_MS'].filter((n) => num(n) !== undefined && !Number.isFinite(num(n)));
if (bad.length > 0) {
  process.stderr.write(`not a number: ${bad.join(', ')}\n`);
  process.exit(2);
}
const burst = num('SANDBOX_HUBSPOT_BURST_PER_10S');
const daily = num('SANDBOX_SALESFORCE_DAILY_LIMIT');
void startSandbox({
  port: num('SANDBOX_PORT') ?? 4010,
  ...(burst !== undefined ? { hubspot: { burstPer10s: burst } } : {}),
  ...(daily !== undefined ? { salesforce: { dailyApiLimit: daily } } : {}),
  faults: { errorRate: num('SANDBOX_ERROR_RATE') ?? 0, latencyMs: num('SANDBOX_LATENCY_MS') ?? 0 },
}).then((s) => {
  process.stdout.write(`CRM sandbox on ${s.url}\nHubSpot app: HUBSPOT_CLIENT_ID=${s.app.clientId} HUBSPOT_CLIENT_SECRET=${s.app.clientSecret} HUBSPOT_APP_ID=${s.app.appId} HUBSPOT_API_BASE=${s.url} HUBSPOT_APP_BASE=${s.url}\nRequests it received: ${s.url}/_sandbox/requests\n`);
});
