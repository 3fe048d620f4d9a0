import type { EngineEvent } from './events';
import type { Profile } from './profile';
import { renderReasons, shortDate } from './render-reasons';
import type { Handoff, Reason, Track } from './types';

export interface TaskInput {
  profile: Profile;
  handoff: Handoff;
  score: number;
  grade: string;
  fitPoints: number;
  engagementPoints: number;
  reasons: Reason[];
  events: readonly EngineEvent[];
  track: Track;
  trackSince: number;
}

/** "Jane Doe (Acme) — requested a demo, score 82": who, and why now. */
export function taskSubject(t: TaskInput): string {
  const name = [t.profile.firstName, t.profile.lastName].filter(Boolean).join(' ') || t.profile.email || 'Contact';
  const company = t.profile.company ? ` (${t.profile.company})` : '';
  return `${name}${company} — ${t.handoff.reason.toLowerCase()}, score ${t.score}`;
}

/** What a rep needs for the first call: why now, what the lead has read, signals, the score's reasons. */
export function taskBody(t: TaskInput): string {
  const p = t.profile;
  const who = [p.jobTitle, p.company].filter(Boolean).join(' at ');
  const lines = [
    `Why now: ${t.handoff.reason} (${shortDate(t.handoff.at)}). Score ${t.score}: fit ${t.grade} (${Math.round(t.fitPoints)}), engagement ${Math.round(t.engagementPoints)}.`,
    ...(who ? [`Who: ${who}${p.email ? ` <${p.email}>` : ''}`] : []),
    '',
    'What they have read and done (newest first):',
    ...consumed(t.events),
  ];
  const signals = t.events.filter((e) => e.type === 'signal').slice(-5).reverse();
  if (signals.length > 0) {
    lines.push('', 'Signals:');
    for (const e of signals) {
      if (e.type !== 'signal') continue;
      lines.push(`- ${shortDate(e.occurredAt)} · ${e.attrs.kind.replace(/_/g, ' ')}${e.attrs.detail ? `: ${e.attrs.detail}` : ''} (strength ${e.attrs.strength})`);
    }
  }
  lines.push('', `Score breakdown: ${renderReasons(t.reasons, { max: 8 })}`);
  lines.push(`Nurture: ${t.track.replace('_', '-')} track since ${shortDate(new Date(t.trackSince))}.`);
  return lines.join('\n');
}

/** Content consumed, grouped per item with a count, at most ten lines. */
function consumed(events: readonly EngineEvent[]): string[] {
  const items = new Map<string, { label: string; count: number; at: number }>();
  for (const e of events) {
    const label = describe(e);
    if (!label) continue;
    const it = items.get(label) ?? { label, count: 0, at: 0 };
    it.count++;
    it.at = Math.max(it.at, e.occurredAt.getTime());
    items.set(label, it);
  }
  const list = [...items.values()].sort((a, b) => b.at - a.at || a.label.localeCompare(b.label)).slice(0, 10);
  if (list.length === 0) return ['- (no recorded engagement)'];
  return list.map((i) => `- ${shortDate(new Date(i.at))} · ${i.label}${i.count > 1 ? ` (${i.count}×)` : ''}`);
}

function describe(e: EngineEvent): string | undefined {
  switch (e.type) {
    case 'page_viewed':
      return e.attrs.url ? `visited ${e.attrs.title ?? e.attrs.url}` : 'visited the website';
    case 'form_submitted':
      return `submitted "${e.attrs.formName ?? e.attrs.formId ?? 'a form'}"`;
    case 'email_clicked':
      return e.attrs.url ? `clicked ${e.attrs.url} in an email` : 'clicked an email';
    case 'email_opened':
      return `opened ${e.attrs.emailName ? `"${e.attrs.emailName}"` : 'an email'}`;
    case 'email_replied':
      return 'replied to an email';
    case 'meeting_booked':
      return 'booked a meeting';
    case 'webinar_attended':
      return `attended ${e.attrs.webinarName ? `"${e.attrs.webinarName}"` : 'a webinar'}`;
    default:
      return undefined;
  }
}
