import winston from 'winston';

/** Keys whose values never reach a log line, whatever the call site passes. */
const SECRET_KEYS = /token|secret|password|authorization|cookie|signature|code_verifier|^code$|email|body/i;

/** Email addresses inside free text (a CRM's error message can quote the record it refused). */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Redacts by key at any depth (a nested `{ tenant: { accessToken } }` too) and masks emails in strings. */
function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.replace(EMAIL, '[email]');
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.test(k) ? '[redacted]' : scrub(v, depth + 1)]));
}

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    // winston's own fields (level, message) stay as they are; everything a call site passed is scrubbed.
    if (key === 'level') continue;
    info[key] = SECRET_KEYS.test(key) ? '[redacted]' : scrub(info[key], 0);
  }
  return info;
});

export type Logger = winston.Logger;

/** JSON lines for operators: one event per line with a stable `msg`, ids, never secrets. */
export function createLogger(level = 'info', silent = false): Logger {
  return winston.createLogger({
    level,
    silent,
    format: winston.format.combine(redact(), winston.format.timestamp(), winston.format.json()),
    defaultMeta: { service: 'kindling' },
    transports: [new winston.transports.Console()],
  });
}
