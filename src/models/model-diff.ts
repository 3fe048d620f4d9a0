/**
 * What changed between two models, as `path: before → after` lines, so the audit log says what an admin
 * changed and not only that they saved. Arrays of rules are compared by rule id, not by position.
 */
/** At most this many lines: an audit entry says what changed, it does not copy the model. */
const LIMIT = 40;

export function modelDiff(before: unknown, after: unknown): string[] {
  const out: string[] = [];
  const show = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v));
  const walk = (a: unknown, b: unknown, path: string) => {
    if (out.length >= LIMIT) return;
    if (Array.isArray(a) && Array.isArray(b) && [...a, ...b].every((x) => typeof (x as { id?: unknown })?.id === 'string')) {
      const byId = (xs: unknown[]) => new Map(xs.map((x) => [(x as { id: string }).id, x]));
      const [ma, mb] = [byId(a), byId(b)];
      for (const id of new Set([...ma.keys(), ...mb.keys()])) {
        if (!ma.has(id)) out.push(`${path}[${id}]: added`);
        else if (!mb.has(id)) out.push(`${path}[${id}]: removed`);
        else walk(ma.get(id), mb.get(id), `${path}[${id}]`);
      }
      return;
    }
    const isMap = (x: unknown) => !!x && typeof x === 'object' && !Array.isArray(x);
    // A section that appeared or went away is shown leaf by leaf, like any other change.
    if ((a === undefined && isMap(b)) || (b === undefined && isMap(a))) return walk(a ?? {}, b ?? {}, path);
    if (isMap(a) && isMap(b)) {
      for (const k of new Set([...Object.keys(a as object), ...Object.keys(b as object)])) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: ${show(a)} → ${show(b)}`);
  };
  walk(before, after, '');
  return out;
}
