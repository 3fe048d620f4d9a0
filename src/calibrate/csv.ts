import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Row } from './config';

/** An export as rows keyed by header; every cell a string, as CRMs export them. */
export function readCsv(path: string): Row[] {
  return parseCsv(readFileSync(path, 'utf8'));
}

export function parseCsv(text: string): Row[] {
  return parse(text, { columns: true, skip_empty_lines: true, bom: true, relax_column_count: true }) as Row[];
}

export function toCsv(header: string[], rows: string[][]): string {
  const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return `${[header, ...rows].map((r) => r.map(cell).join(',')).join('\n')}\n`;
}
