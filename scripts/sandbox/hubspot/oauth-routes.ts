import express, { Router } from 'express';
import type { Portal, SandboxApp, Tokens } from '../state';
import { token } from '../state';
import { hubspotError, validationError } from './errors';
import { accessTokenInfoSchema, tokenRequestSchema, tokenResponseSchema } from './schemas';

export interface OAuthOptions {
  app: SandboxApp;
  tokens: Tokens;
  portalFor: (hubId: number) => Portal;
  /** The account the authorize page installs into (the sandbox auto-approves). */
  defaultHubId: number;
  accessTokenTtlSeconds: number;
}

/** HubSpot's OAuth v1: the authorize page (auto-approves), the token endpoint, token info, revocation. */
export function hubspotOAuthRoutes(o: OAuthOptions): Router {
  const r = Router();
  r.get('/oauth/authorize', (req, res) => {
    const { client_id, redirect_uri, state, scope } = req.query as Record<string, string | undefined>;
    if (client_id !== o.app.clientId || !redirect_uri) {
      res.status(400).send('Invalid client_id or missing redirect_uri');
      return;
    }
    const hubId = Number(req.query.hub_id ?? o.defaultHubId);
    o.portalFor(hubId);
    const code = token('code');
    o.tokens.codes.set(code, { hubId, redirectUri: redirect_uri, scopes: (scope ?? '').split(/[ +]/).filter(Boolean), used: false });
    const target = new URL(redirect_uri);
    target.searchParams.set('code', code);
    if (state) target.searchParams.set('state', state);
    res.redirect(302, target.toString());
  });

  r.post('/oauth/v1/token', express.urlencoded({ extended: false }), (req, res) => {
    const parsed = tokenRequestSchema.safeParse(req.body);
    if (!parsed.success) return validationError(res, parsed.error);
    const body = parsed.data;
    if (body.client_id !== o.app.clientId || body.client_secret !== o.app.clientSecret) {
      return hubspotError(res, 400, 'BAD_CLIENT_ID', 'missing or unknown client id');
    }
    let grant: { hubId: number; userId: number; scopes: string[] };
    if (body.grant_type === 'authorization_code') {
      const code = o.tokens.codes.get(body.code);
      if (!code || code.used || code.redirectUri !== body.redirect_uri) {
        return res.status(400).json({ status: 'BAD_AUTH_CODE', message: 'auth code not found', correlationId: token('c') });
      }
      code.used = true;
      grant = { hubId: code.hubId, userId: 7001, scopes: code.scopes };
    } else {
      const refresh = o.tokens.refresh.get(body.refresh_token);
      if (!refresh || refresh.revoked) {
        return res.status(400).json({ status: 'BAD_REFRESH_TOKEN', error: 'invalid_grant', message: 'missing or invalid refresh token', correlationId: token('c') });
      }
      grant = refresh;
    }
    const access = token('at');
    const refreshToken = body.grant_type === 'refresh_token' ? body.refresh_token : token('rt');
    o.tokens.access.set(access, { ...grant, expiresAt: Date.now() + o.accessTokenTtlSeconds * 1000 });
    o.tokens.refresh.set(refreshToken, { ...grant, revoked: false });
    res.json(tokenResponseSchema.parse({ access_token: access, refresh_token: refreshToken, expires_in: o.accessTokenTtlSeconds, token_type: 'bearer', token_use: 'access_token', hub_id: grant.hubId, scopes: grant.scopes }));
  });

  r.get('/oauth/v1/access-tokens/:token', (req, res) => {
    const t = o.tokens.access.get(req.params.token);
    if (!t || t.expiresAt < Date.now()) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', 'token not found or expired');
    res.json(accessTokenInfoSchema.parse({ token: req.params.token, user: 'admin@sandbox.example', hub_domain: `sandbox-${t.hubId}.hubspot.example`, scopes: t.scopes, hub_id: t.hubId, app_id: o.app.appId, expires_in: Math.round((t.expiresAt - Date.now()) / 1000), user_id: t.userId, token_type: 'access' }));
  });

  r.get('/oauth/v1/refresh-tokens/:token', (req, res) => {
    const t = o.tokens.refresh.get(req.params.token);
    if (!t || t.revoked) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', 'refresh token not found');
    res.json({ token: req.params.token, user: 'admin@sandbox.example', hub_id: t.hubId, scopes: t.scopes, client_id: o.app.clientId, user_id: t.userId, token_type: 'refresh' });
  });

  r.delete('/oauth/v1/refresh-tokens/:token', (req, res) => {
    const t = o.tokens.refresh.get(req.params.token);
    if (t) t.revoked = true;
    res.status(204).end();
  });
  return r;
}
