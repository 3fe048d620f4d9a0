/** Follows a CRM's install (HubSpot marketplace app or Salesforce connected app) as a browser would: cookies kept, redirects followed by hand. */
export async function installHubSpot(url: string, crm: 'hubspot' | 'salesforce' = 'hubspot'): Promise<{ cookies: string; landing: Response }> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [name, ...v] = pair!.split('=');
      jar.set(name!, v.join('='));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let res = await fetch(`${url}/oauth/${crm}/install`, { redirect: 'manual' });
  keep(res);
  for (let hops = 0; hops < 5 && res.status >= 300 && res.status < 400; hops++) {
    const next = new URL(res.headers.get('location')!, url).toString();
    res = await fetch(next, { redirect: 'manual', headers: next.startsWith(url) ? { cookie: cookie() } : {} });
    keep(res);
  }
  return { cookies: cookie(), landing: res };
}
