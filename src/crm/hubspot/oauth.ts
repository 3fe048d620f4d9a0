import type { Config } from '../../config';
import { TokenRevoked } from '../../errors';
import type { RefreshedTokens, RefreshFn, RevokeFn } from '../../auth/token-provider';
import { asApiError, hubspotClient } from './sdk';

/**
 * The scopes Kindling asks for, and only these (README "HubSpot scopes" says why each):
 * oauth — required of every OAuth app; crm.objects.contacts.read — read fit properties and look up tasks;
 * crm.objects.contacts.write — write scores and stages, create tasks; crm.schemas.contacts.read/write —
 * list properties for the field mapping and create Kindling's own; crm.objects.owners.read — route tasks
 * to owners; automation.sequences.read / automation.sequences.enrollments.write — list and enroll in the
 * sequences an admin maps to nurture tracks.
 */
export const HUBSPOT_SCOPES = [
  'oauth',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.objects.owners.read',
  'automation.sequences.read',
  'automation.sequences.enrollments.write',
] as const;

export const hubspotRedirectUri = (config: Pick<Config, 'PUBLIC_URL'>) => `${config.PUBLIC_URL}/oauth/hubspot/callback`;

export function hubspotAuthorizeUrl(config: Config, state: string): string {
  const url = new URL('/oauth/authorize', config.HUBSPOT_APP_BASE);
  url.searchParams.set('client_id', config.HUBSPOT_CLIENT_ID ?? '');
  url.searchParams.set('redirect_uri', hubspotRedirectUri(config));
  url.searchParams.set('scope', HUBSPOT_SCOPES.join(' '));
  url.searchParams.set('state', state);
  return url.toString();
}

export interface HubSpotInstall {
  hubId: string;
  hubDomain?: string;
  user?: string;
  userId?: string;
  scopes: string[];
  tokens: RefreshedTokens;
}

/** Exchanges the authorization code and learns which portal (hub) installed. */
export async function exchangeHubSpotCode(config: Config, code: string, now = Date.now()): Promise<HubSpotInstall> {
  const client = hubspotClient(config.HUBSPOT_API_BASE);
  const t = await client.oauth.tokensApi.create('authorization_code', code, hubspotRedirectUri(config), config.HUBSPOT_CLIENT_ID, config.HUBSPOT_CLIENT_SECRET);
  const tokens = t as { accessToken: string; refreshToken?: string; expiresIn: number };
  const info = await client.oauth.accessTokensApi.get(tokens.accessToken);
  return {
    hubId: String(info.hubId),
    ...(info.hubDomain ? { hubDomain: info.hubDomain } : {}),
    ...(info.user ? { user: info.user } : {}),
    userId: String(info.userId),
    scopes: info.scopes,
    tokens: { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken ?? '', expiresAt: new Date(now + tokens.expiresIn * 1000) },
  };
}

/** Refreshes a HubSpot access token; a rejected refresh token means the app was uninstalled or revoked. */
export function hubspotRefresher(config: Config): RefreshFn | undefined {
  if (!config.HUBSPOT_CLIENT_ID || !config.HUBSPOT_CLIENT_SECRET) return undefined;
  return async (refreshToken) => {
    const client = hubspotClient(config.HUBSPOT_API_BASE);
    try {
      const t = (await client.oauth.tokensApi.create('refresh_token', undefined, undefined, config.HUBSPOT_CLIENT_ID, config.HUBSPOT_CLIENT_SECRET, refreshToken)) as { accessToken: string; refreshToken?: string; expiresIn: number };
      return { accessToken: t.accessToken, refreshToken: t.refreshToken ?? refreshToken, expiresAt: new Date(Date.now() + t.expiresIn * 1000) };
    } catch (err) {
      const api = asApiError(err);
      const body = JSON.stringify(api?.body ?? '');
      if (api && api.code === 400 && /BAD_REFRESH_TOKEN|invalid_grant/.test(body)) throw new TokenRevoked('HubSpot rejected the refresh token (app uninstalled or access revoked); reconnect Kindling');
      throw err;
    }
  };
}

/**
 * Revokes Kindling's grant in the portal at uninstall: HubSpot deletes the refresh token (and with it every
 * access token it issued), so nothing Kindling held can be used again.
 */
export function hubspotRevoker(config: Config): RevokeFn {
  return async (refreshToken) => {
    await hubspotClient(config.HUBSPOT_API_BASE).oauth.refreshTokensApi.archive(refreshToken);
  };
}
