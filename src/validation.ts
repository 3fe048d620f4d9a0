import type { z } from 'zod';

/** One line naming every offending field, e.g. `[3].occurredAt: expected number, received string`. */
export function formatZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${pathOf(i.path)}: ${i.message}`)
    .join('; ');
}

function pathOf(path: PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}
