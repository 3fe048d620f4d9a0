/**
 * A browser for install flows: keeps cookies per origin-less jar, follows redirects by hand, and can
 * pick which HubSpot portal the sandbox's consent page installs into (its `hub_id` parameter).
 */
export interface Browser {
  cookies(): string;
  /** Every Set-Cookie header received, attributes included. */
  setCookies(): string[];
  get(url: string): Promise<Response>;
  /** Follows redirects from `url`, sending cookies only to Kindling (`kindlingUrl`). */
  follow(url: string, opts?: { hubId?: number }): Promise<Response>;
  /** `GET /api/session`: the CSRF token for state-changing calls. */
  csrf(): Promise<string>;
  /** A state-changing call with the session's CSRF token (`POST` unless `method` says otherwise). */
  post(url: string, body?: unknown, method?: string): Promise<Response>;
}

export function browser(kindlingUrl: string): Browser {
  const jar = new Map<string, string>();
  const seen: string[] = [];
  let csrfToken = '';
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      seen.push(c);
      const [pair, ...attrs] = c.split(';');
      const [name, ...v] = pair!.split('=');
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || v.join('=') === '') jar.delete(name!);
      else jar.set(name!, v.join('='));
    }
  };
  const cookies = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const get = async (url: string) => {
    const res = await fetch(url, { redirect: 'manual', headers: url.startsWith(kindlingUrl) ? { cookie: cookies() } : {} });
    keep(res);
    return res;
  };
  return {
    cookies,
    setCookies: () => [...seen],
    get,
    async follow(url, opts = {}) {
      let res = await get(url);
      for (let hops = 0; hops < 5 && res.status >= 300 && res.status < 400; hops++) {
        const next = new URL(res.headers.get('location')!, kindlingUrl);
        if (opts.hubId && next.pathname === '/oauth/authorize') next.searchParams.set('hub_id', String(opts.hubId));
        res = await get(next.toString());
      }
      return res;
    },
    async csrf() {
      const res = await get(`${kindlingUrl}/api/session`);
      csrfToken = ((await res.json()) as { csrfToken: string }).csrfToken;
      return csrfToken;
    },
    async post(url, body, method = 'POST') {
      const res = await fetch(url, { method, headers: { cookie: cookies(), 'x-csrf-token': csrfToken, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      keep(res);
      return res;
    },
  };
}
