import { Connection, OAuth2 } from 'jsforce';
import type { RefreshFn, RevokeFn } from '../../auth/token-provider';
import type { Config } from '../../config';
import { TokenRevoked } from '../../errors';

/** Salesforce REST API version Kindling speaks (sObject Collections need 42.0+). */
export const SALESFORCE_API_VERSION = '59.0';
/** Connected-app scopes: `api` for REST, `refresh_token` to stay connected. */
export const SALESFORCE_SCOPES = ['api', 'refresh_token'] as const;

export const salesforceRedirectUri = (config: Pick<Config, 'PUBLIC_URL'>) => `${config.PUBLIC_URL}/oauth/salesforce/callback`;

function oauth2(config: Config, pkce: { verifier?: string; fresh?: boolean } = {}): OAuth2 {
  const o = new OAuth2({ loginUrl: config.SALESFORCE_LOGIN_URL, clientId: config.SALESFORCE_CLIENT_ID ?? '', clientSecret: config.SALESFORCE_CLIENT_SECRET ?? '', redirectUri: salesforceRedirectUri(config), useVerifier: !!pkce.fresh });
  const verifier = pkce.verifier;
  // The web-server flow with PKCE spans two requests: the verifier made for the first is kept (in the
  // signed state cookie) and set back here for the code exchange.
  if (verifier) (o as unknown as { codeVerifier: string }).codeVerifier = verifier;
  return o;
}

/** The authorize URL (with a PKCE challenge) and the verifier to keep for the callback. */
export function salesforceAuthorize(config: Config, state: string): { url: string; verifier: string } {
  const o = oauth2(config, { fresh: true });
  const url = o.getAuthorizationUrl({ scope: SALESFORCE_SCOPES.join(' '), state, code_challenge_method: 'S256' } as never);
  return { url, verifier: (o as unknown as { codeVerifier: string }).codeVerifier };
}

export interface SalesforceInstall {
  orgId: string;
  userId: string;
  instanceUrl: string;
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

export async function exchangeSalesforceCode(config: Config, code: string, verifier: string): Promise<SalesforceInstall> {
  const conn = new Connection({ oauth2: oauth2(config, { verifier }), version: SALESFORCE_API_VERSION });
  const info = await conn.authorize(code);
  // Salesforce does not say when an access token expires; sessions default to 2 hours.
  return { orgId: info.organizationId, userId: info.id, instanceUrl: conn.instanceUrl, accessToken: conn.accessToken ?? '', refreshToken: conn.refreshToken ?? '', expiresAt: new Date(Date.now() + 110 * 60_000) };
}

export function salesforceRefresher(config: Config): RefreshFn | undefined {
  if (!config.SALESFORCE_CLIENT_ID || !config.SALESFORCE_CLIENT_SECRET) return undefined;
  return async (refreshToken) => {
    try {
      const t = await oauth2(config).refreshToken(refreshToken);
      // A rotated refresh token must be kept, or the next refresh fails.
      return { accessToken: t.access_token, refreshToken: t.refresh_token ?? refreshToken, expiresAt: new Date(Date.now() + 110 * 60_000) };
    } catch (err) {
      if ((err as Error).name === 'invalid_grant') throw new TokenRevoked('Salesforce rejected the refresh token (connected app revoked); reconnect Kindling');
      throw err;
    }
  };
}

/** Revokes the connected app's refresh token (Salesforce's revoke endpoint, through jsforce) at uninstall. */
export function salesforceRevoker(config: Config): RevokeFn {
  return async (refreshToken) => {
    await oauth2(config).revokeToken(refreshToken);
  };
}
