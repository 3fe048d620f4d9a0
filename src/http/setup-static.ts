import { join } from 'node:path';
import express, { Router } from 'express';
import { sessionOf } from '../auth/session';

/**
 * The setup screen: a static page and one module, served by the app. Without a session it asks the admin
 * to sign in through their CRM, the only way a session is made.
 */
export function setupStaticRoutes(): Router {
  const r = Router();
  const dir = join(__dirname, '../../src/setup/public');
  r.get('/setup/signin', (_req, res) => {
    res.type('html').send('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in to Kindling</title><link rel="stylesheet" href="/setup/app.css"></head><body><main><section><h1>Sign in to Kindling</h1><p>Sign in through the CRM Kindling is installed in:</p><p><a href="/oauth/hubspot/install">HubSpot</a> · <a href="/oauth/salesforce/install">Salesforce</a></p></section></main></body></html>');
  });
  r.get('/setup/', (req, res) => {
    if (!sessionOf(req)) return void res.redirect(302, '/setup/signin');
    res.set('Cache-Control', 'no-store').sendFile(join(dir, 'index.html'));
  });
  r.use('/setup', express.static(dir, { index: false, maxAge: '1h' }));
  return r;
}
