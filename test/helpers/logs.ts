import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, type Logger } from '../../src/log';

/** Kindling's own logger (redaction included) at debug, its JSON lines kept in memory for a test to read. */
export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger('debug');
  log.clear().add(new winston.transports.Stream({ stream: new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }) }));
  return { log, lines };
}
