import type { Reason } from './types';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Nov 20`, in UTC: the same text on every machine. */
export function shortDate(iso: string | Date): string {
  // ISO strings (what reasons carry) are read by position: no Date to build on the hot path.
  if (typeof iso === 'string' && isIsoDate(iso)) return `${MONTHS[Number(iso.slice(5, 7)) - 1]} ${Number(iso.slice(8, 10))}`;
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
}

/** `2026-11-20T…`: digits where the date's are, checked by char code (this runs for every reason shown). */
function isIsoDate(s: string): boolean {
  if (s.length < 11 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84) return false;
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9]) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function signed(points: number): string {
  const p = Math.round(points);
  return p >= 0 ? `+${p}` : `−${Math.abs(p)}`;
}

/**
 * Short text for a rep: the largest contributions first, e.g.
 * "+25 requested a demo (Nov 20) · +30 visited pricing 3× (Nov 18) · +15 senior title: VP Sales".
 */
export function renderReasons(reasons: Reason[], opts: { max?: number } = {}): string {
  const scored = reasons.filter((r) => r.kind === 'fit' || r.kind === 'engagement' || r.kind === 'return').filter((r) => Math.round(r.points) !== 0);
  scored.sort((a, b) => Math.abs(b.points) - Math.abs(a.points) || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0));
  return scored
    .slice(0, opts.max ?? 6)
    .map((r) => {
      const times = r.count && r.count > 1 && r.kind === 'engagement' ? ` ${r.count}×` : '';
      if (r.kind === 'fit') return `${signed(r.points)} ${r.label}${r.value !== undefined && r.value !== null && r.value !== '' ? `: ${String(r.value)}` : ''}`;
      return `${signed(r.points)} ${r.label}${times}${r.at ? ` (${shortDate(r.at)})` : ''}`;
    })
    .join(' · ');
}
