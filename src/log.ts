import winston from 'winston';

/** Keys whose values never reach a log line, whatever the call site passes. */
const SECRET_KEYS = /token|secret|password|authorization|cookie|signature|code_verifier|^code$|email|body/i;

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEYS.test(key)) info[key] = '[redacted]';
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
