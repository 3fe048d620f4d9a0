import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { callbackCode, issueState, type Sessions } from '../auth/session';
import type { Config } from '../config';
import { type Keyring, seal } from '../crypto';
import { exchangeSalesforceCode, salesforceAuthorize } from '../crm/salesforce/oauth';
import { provisionSalesforce } from '../crm/salesforce/provision';
import type { Logger } from '../log';
import type { Db } from '../store/db';
import { upsertInstalledTenant } from '../store/tenants';

const VERIFIER_COOKIE = 'kindling_pkce';

/**
 * The connected-app install: the web-server flow with PKCE (jsforce's OAuth2). The tenant is the
 * organization; its refresh token is sealed, its instance URL stored.
 */
export function salesforceOAuthRoutes(deps: { config: Config; db: Db; keyring: Keyring; log: Logger; sessions: Sessions }): Router {
  const r = Router();
  const secure = deps.config.PUBLIC_URL.startsWith('https://');
  r.get('/oauth/salesforce/install', (_req, res) => {
    if (!deps.config.SALESFORCE_CLIENT_ID) {
      res.status(503).json({ error: 'not_configured', message: 'SALESFORCE_CLIENT_ID is not set' });
      return;
    }
    const { url, verifier } = salesforceAuthorize(deps.config, issueState(res, secure));
    res.cookie(VERIFIER_COOKIE, verifier, { httpOnly: true, sameSite: 'lax', secure, signed: true, maxAge: 10 * 60_000, path: '/' });
    res.redirect(302, url);
  });
  r.get('/oauth/salesforce/callback', async (req, res) => {
    const verifier = req.signedCookies?.[VERIFIER_COOKIE];
    res.clearCookie(VERIFIER_COOKIE, { path: '/' });
    const code = callbackCode(req, res, 'Salesforce', typeof verifier === 'string');
    if (!code) return;
    let install;
    try {
      install = await exchangeSalesforceCode(deps.config, code, verifier as string);
    } catch (err) {
      deps.log.warn('oauth.salesforce.exchange_failed', { error: (err as Error).name });
      res.status(400).json({ error: 'code_rejected', message: 'Salesforce rejected the authorization code (expired or already used); start the install again' });
      return;
    }
    const tenant = await upsertInstalledTenant(deps.db, {
      crm: 'salesforce', accountId: install.orgId, instanceUrl: install.instanceUrl,
      accessTokenEnc: seal(install.accessToken, deps.keyring), refreshTokenEnc: seal(install.refreshToken, deps.keyring), expiresAt: install.expiresAt,
      signalsSecretEnc: seal(randomBytes(32).toString('base64url'), deps.keyring), scopes: ['api', 'refresh_token'], installedBy: install.userId,
    });
    try {
      await provisionSalesforce(install.instanceUrl, install.accessToken, install.userId, deps.log);
    } catch (err) {
      deps.log.error('oauth.salesforce.provision_failed', { tenantId: tenant.id, error: (err as Error).message });
    }
    deps.log.info('oauth.salesforce.installed', { tenantId: tenant.id });
    deps.sessions.start(req, res, tenant.id, install.userId);
    res.redirect(302, '/setup/');
  });
  return r;
}

