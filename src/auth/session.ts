import { hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import cookieParser from 'cookie-parser';
import { doubleCsrf } from 'csrf-csrf';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import type { Db } from '../store/db';

export const SESSION_COOKIE = 'kindling_session';
export const STATE_COOKIE = 'kindling_oauth_state';
const SESSION_MS = 8 * 3_600_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the signed session cookie holds: who signed in through the CRM's OAuth, for which tenant. */
export interface AdminSession {
  tenantId: string;
  user: string;
  /** Random per sign-in: the identifier the CSRF token is bound to. */
  sid: string;
  exp: number;
}

/** Cookie-signing secrets derived from the encryption keys (current first), so there is one secret to manage and sessions survive a key rotation. */
export function cookieSecrets(keys: Array<{ key: Buffer }>): string[] {
  return keys.map((k) => Buffer.from(hkdfSync('sha256', k.key, Buffer.alloc(0), 'kindling cookies', 32)).toString('base64'));
}

const cookieOptions = (secure: boolean, maxAgeMs: number) => ({ httpOnly: true, sameSite: 'lax' as const, secure, signed: true, maxAge: maxAgeMs, path: '/' });

/** OAuth `state`, bound to this browser by a signed cookie: a callback with another state is refused. */
export function issueState(res: Response, secure: boolean): string {
  const state = randomBytes(24).toString('base64url');
  res.cookie(STATE_COOKIE, state, cookieOptions(secure, 10 * 60_000));
  return state;
}

/** One use only: the state cookie is cleared whatever the outcome, so a callback URL cannot be replayed. */
export function checkState(req: Request, res: Response, state: unknown): boolean {
  const expected = req.signedCookies?.[STATE_COOKIE];
  res.clearCookie(STATE_COOKIE, { path: '/' });
  if (typeof state !== 'string' || typeof expected !== 'string' || state.length === 0) return false;
  const a = Buffer.from(state);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The session in the request's signed cookie, if any and not expired (its tenant is not checked here). */
export function sessionOf(req: Request, now = Date.now()): AdminSession | undefined {
  const raw = req.signedCookies?.[SESSION_COOKIE];
  if (typeof raw !== 'string') return undefined;
  try {
    const s = JSON.parse(raw) as AdminSession;
    return s.exp > now && typeof s.tenantId === 'string' && typeof s.sid === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

export interface SessionDeps {
  db: Db;
  /** Cookie and CSRF secrets, current first (`cookieSecrets`). */
  secrets: string[];
  /** HTTPS deployment: cookies are `Secure`, the CSRF cookie gets the `__Host-` prefix. */
  secure: boolean;
  now?: () => number;
}

export interface Sessions {
  /** Mounted once before every route: parses cookies, loads the admin session, checks CSRF on state-changing calls. */
  middleware: Router;
  /** Signs the admin in after the CRM's OAuth (install or sign-in) and issues the CSRF cookie. */
  start(req: Request, res: Response, tenantId: string, user: string): AdminSession;
}

/**
 * Admin sessions for the setup screen, established only through the CRM's OAuth: a signed, HttpOnly,
 * SameSite=Lax cookie naming the tenant and user. CSRF protection is csrf-csrf's double-submit token,
 * HMAC-bound to the session: `GET /api/session` hands it out and every state-changing call must send it
 * back in `X-CSRF-Token`. A session whose tenant was uninstalled (or deleted) is refused.
 */
export function createSessions(deps: SessionDeps): Sessions {
  const now = deps.now ?? Date.now;
  const sids = new WeakMap<Request, string>();
  const csrf = doubleCsrf({
    getSecret: () => deps.secrets,
    getSessionIdentifier: (req) => sids.get(req) ?? '',
    cookieName: deps.secure ? '__Host-kindling.csrf' : 'kindling_csrf',
    cookieOptions: { sameSite: 'lax', secure: deps.secure, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req) => req.header('x-csrf-token'),
  });

  const load: RequestHandler = async (req, res, next) => {
    const s = sessionOf(req, now());
    if (!s) return next();
    const tenant = await deps.db.selectFrom('tenants').select('status').where('id', '=', s.tenantId).executeTakeFirst();
    if (!tenant || tenant.status === 'uninstalled') {
      res.clearCookie(SESSION_COOKIE, { path: '/' });
      return next();
    }
    sids.set(req, s.sid);
    res.locals.session = s;
    res.locals.csrfValid = SAFE_METHODS.has(req.method) || csrf.validateRequest(req);
    res.locals.csrfToken = () => csrf.generateCsrfToken(req, res);
    next();
  };

  const middleware = Router();
  middleware.use(cookieParser(deps.secrets), load);
  return {
    middleware,
    start(req, res, tenantId, user) {
      const session: AdminSession = { tenantId, user, sid: randomBytes(18).toString('base64url'), exp: now() + SESSION_MS };
      res.cookie(SESSION_COOKIE, JSON.stringify(session), cookieOptions(deps.secure, SESSION_MS));
      sids.set(req, session.sid);
      csrf.generateCsrfToken(req, res, { overwrite: true });
      return session;
    },
  };
}

/**
 * Admin routes: a session loaded by `createSessions().middleware`, and for state-changing calls a valid
 * CSRF token. Sets `res.locals.tenantId` (the only tenant the route may touch) and `res.locals.admin`.
 */
export const requireAdmin: RequestHandler = (_req, res, next) => {
  const s = res.locals.session as AdminSession | undefined;
  if (!s) {
    res.status(401).json({ error: 'unauthenticated', message: 'sign in through your CRM first' });
    return;
  }
  if (res.locals.csrfValid !== true) {
    res.status(403).json({ error: 'csrf', message: 'missing or wrong X-CSRF-Token' });
    return;
  }
  res.locals.tenantId = s.tenantId;
  res.locals.admin = s.user;
  next();
};

/** The CSRF token for this session (sets its cookie): what `GET /api/session` returns. */
export function csrfTokenFor(res: Response): string {
  return (res.locals.csrfToken as () => string)();
}

/**
 * The checks every OAuth callback starts with: the `state` this browser was given, and a code. Answers the
 * 400 itself and returns undefined when either is wrong.
 */
export function callbackCode(req: Request, res: Response, crmName: string, extra = true): string | undefined {
  if (!checkState(req, res, req.query.state) || !extra) {
    res.status(400).json({ error: 'state_mismatch', message: 'this sign-in was not started from this browser; start the install again' });
    return undefined;
  }
  if (typeof req.query.code !== 'string') {
    res.status(400).json({ error: 'missing_code', message: String(req.query.error_description ?? `${crmName} did not return an authorization code`).slice(0, 200) });
    return undefined;
  }
  return req.query.code;
}
