import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { callbackCode, issueState, type Sessions } from '../auth/session';
import type { Config } from '../config';
import { seal, type Keyring } from '../crypto';
import { exchangeHubSpotCode, hubspotAuthorizeUrl } from '../crm/hubspot/oauth';
import { provisionHubSpot } from '../crm/hubspot/provision';
import { messageOf } from '../crm/hubspot/sdk';
import type { Logger } from '../log';
import type { Db } from '../store/db';
import { upsertInstalledTenant } from '../store/tenants';

export interface HubSpotOAuthDeps {
  config: Config;
  db: Db;
  keyring: Keyring;
  log: Logger;
  sessions: Sessions;
}

/**
 * The marketplace install: `/oauth/hubspot/install` sends the admin to HubSpot's consent page with a
 * `state` bound to their browser; `/oauth/hubspot/callback` checks it, exchanges the code, creates or
 * re-activates the tenant with its tokens sealed, provisions Kindling's properties, and signs the admin in.
 */
export function hubspotOAuthRoutes(deps: HubSpotOAuthDeps): Router {
  const r = Router();
  const secure = deps.config.PUBLIC_URL.startsWith('https://');

  r.get('/oauth/hubspot/install', (_req, res) => {
    if (!deps.config.HUBSPOT_CLIENT_ID) {
      res.status(503).json({ error: 'not_configured', message: 'HUBSPOT_CLIENT_ID is not set' });
      return;
    }
    res.redirect(302, hubspotAuthorizeUrl(deps.config, issueState(res, secure)));
  });

  r.get('/oauth/hubspot/callback', async (req, res) => {
    const code = callbackCode(req, res, 'HubSpot');
    if (!code) return;
    let install;
    try {
      install = await exchangeHubSpotCode(deps.config, code);
    } catch (err) {
      deps.log.warn('oauth.hubspot.exchange_failed', { error: messageOf(err) });
      res.status(400).json({ error: 'code_rejected', message: 'HubSpot rejected the authorization code (expired or already used); start the install again' });
      return;
    }
    const tenant = await upsertInstalledTenant(deps.db, {
      crm: 'hubspot',
      accountId: install.hubId,
      ...(install.hubDomain ? { name: install.hubDomain } : {}),
      accessTokenEnc: seal(install.tokens.accessToken, deps.keyring),
      signalsSecretEnc: seal(randomBytes(32).toString('base64url'), deps.keyring),
      refreshTokenEnc: seal(install.tokens.refreshToken, deps.keyring),
      expiresAt: install.tokens.expiresAt,
      scopes: install.scopes,
      ...(install.userId ? { installedBy: install.userId } : {}),
    });
    try {
      await provisionHubSpot(deps.config.HUBSPOT_API_BASE, install.tokens.accessToken, deps.log);
    } catch (err) {
      deps.log.error('oauth.hubspot.provision_failed', { tenantId: tenant.id, error: messageOf(err) });
    }
    deps.log.info('oauth.hubspot.installed', { tenantId: tenant.id, hubId: install.hubId });
    deps.sessions.start(req, res, tenant.id, install.user ?? install.userId ?? 'admin');
    res.redirect(302, '/setup/');
  });
  return r;
}
