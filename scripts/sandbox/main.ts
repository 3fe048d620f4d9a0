/** `npm run sandbox`: the CRM sandbox on its own (default port 4010), for a Kindling started elsewhere. */
import { startSandbox } from './index';

void startSandbox({ port: Number(process.env.SANDBOX_PORT ?? 4010) }).then((s) => {
  process.stdout.write(`CRM sandbox on ${s.url}\nHubSpot app: HUBSPOT_CLIENT_ID=${s.app.clientId} HUBSPOT_CLIENT_SECRET=${s.app.clientSecret} HUBSPOT_APP_ID=${s.app.appId} HUBSPOT_API_BASE=${s.url} HUBSPOT_APP_BASE=${s.url}\nRequests it received: ${s.url}/_sandbox/requests\n`);
});
