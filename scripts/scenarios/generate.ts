/**
 * A believable B2B population with 60 simulated days of behaviour, as the HubSpot webhooks and outside
 * signals Kindling would receive. Seeded: the same seed gives the same scenario; time is simulated.
 */
import { prng } from '../../src/calibrate/split';

export interface ScenarioContact {
  id: string;
  persona: Persona;
  properties: Record<string, string>;
}

export interface ScenarioSignal {
  id: string;
  contactId: string;
  kind: 'job_change' | 'funding_round' | 'hiring_surge' | 'intent_spike';
  strength: number;
  occurredAt: string;
  detail: string;
}

export interface Scenario {
  contacts: ScenarioContact[];
  webhookEvents: Array<Record<string, unknown>>;
  signals: ScenarioSignal[];
  stats: Record<string, number>;
}

export type Persona = 'champion' | 'practitioner' | 'researcher' | 'poor_fit' | 'competitor' | 'free_mail' | 'customer' | 'open_opportunity';

const PERSONAS: Array<[Persona, number]> = [
  ['champion', 0.18], ['practitioner', 0.27], ['researcher', 0.15], ['poor_fit', 0.12], ['competitor', 0.03], ['free_mail', 0.12], ['customer', 0.08], ['open_opportunity', 0.05],
];
const FIRST = ['Jane', 'Omar', 'Priya', 'Lukas', 'Mei', 'Carlos', 'Aisha', 'Tom', 'Sofia', 'Kenji', 'Nora', 'Diego', 'Ines', 'Sam', 'Leila', 'Ben'];
const LAST = ['Doe', 'Khan', 'Patel', 'Becker', 'Chen', 'Rivera', 'Okafor', 'Smith', 'Rossi', 'Tanaka', 'Berg', 'Lopez', 'Silva', 'Reed', 'Haddad', 'Cole'];
const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Stark Analytics', 'Wayne Logistics', 'Hooli', 'Vandelay', 'Soylent', 'Tyrell', 'Cyberdyne', 'Wonka Labs'];
const SITE = 'https://example-saas.com';
const BLOG = ['/blog/pipeline-forecasting', '/blog/lead-scoring-101', '/blog/revops-metrics', '/blog/speed-to-lead'];
const CONTENT = ['Ebook: The RevOps Playbook', 'Guide: Lead Scoring That Sales Trusts', 'Report: 2026 Pipeline Benchmarks'];
const WEBINAR = 'Webinar: Pipeline Forecasting (attended)';

const DAY = 86_400_000;

export function generateScenario(opts: { seed?: number; contacts?: number; days?: number; now?: Date; portalId?: number; appId?: number } = {}): Scenario {
  const rnd = prng(opts.seed ?? 7);
  const now = (opts.now ?? new Date()).getTime();
  const days = opts.days ?? 60;
  const portalId = opts.portalId ?? 62515;
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const chance = (p: number) => rnd() < p;
  let eventId = 1;
  const webhookEvents: Array<Record<string, unknown>> = [];
  const signals: ScenarioSignal[] = [];
  const stats: Record<string, number> = {};
  const count = (k: string) => (stats[k] = (stats[k] ?? 0) + 1);
  const change = (objectId: number, at: number, propertyName: string, propertyValue: string, changeSource = 'ANALYTICS') =>
    webhookEvents.push({ eventId: eventId++, subscriptionId: 1, portalId, appId: opts.appId ?? 424242, occurredAt: Math.round(at), subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId, propertyName, propertyValue, changeSource, sourceId: changeSource });

  const contacts: ScenarioContact[] = [];
  for (let i = 0; i < (opts.contacts ?? 300); i++) {
    const id = 1000 + i;
    let r = rnd();
    const persona = PERSONAS.find(([, p]) => (r -= p) < 0)?.[0] ?? 'practitioner';
    const first = pick(FIRST);
    const last = pick(LAST);
    const company = pick(COMPANIES);
    const domain = persona === 'competitor' ? 'rivalcrm.example' : persona === 'free_mail' || persona === 'poor_fit' ? pick(['gmail.com', 'yahoo.com', 'outlook.com']) : `${company.toLowerCase().replace(/\s+/g, '')}.example`;
    const title = { champion: pick(['VP Sales', 'Head of Revenue Operations', 'Director of Marketing', 'CRO']), practitioner: pick(['Marketing Manager', 'Sales Ops Manager', 'Demand Gen Manager']), researcher: pick(['Analyst', 'Consultant', 'Marketing Specialist']), poor_fit: pick(['Student', 'Intern', 'Freelancer']), competitor: 'Product Manager', free_mail: pick(['Founder', 'Sales Manager', 'Consultant']), customer: pick(['VP Sales', 'RevOps Manager']), open_opportunity: pick(['Director of Sales', 'Head of Growth']) }[persona];
    const size = persona === 'poor_fit' || persona === 'free_mail' ? Math.floor(1 + rnd() * 9) : Math.floor(40 + rnd() * 2000);
    const stage = persona === 'customer' ? 'customer' : persona === 'open_opportunity' ? 'opportunity' : chance(0.3) ? 'subscriber' : 'lead';
    contacts.push({ id: String(id), persona, properties: { email: `${first.toLowerCase()}.${last.toLowerCase()}${i}@${domain}`, firstname: first, lastname: last, company, jobtitle: title, numberofemployees: String(size), industry: pick(['Software', 'Financial Services', 'Manufacturing', 'Software', 'Internet']), country: pick(['United States', 'Germany', 'United Kingdom', 'India', 'Brazil']), hubspot_owner_id: '7001', lifecyclestage: stage } });
    count(`persona.${persona}`);

    const created = now - rnd() * days * DAY;
    webhookEvents.push({ eventId: eventId++, subscriptionId: 2, portalId, appId: opts.appId ?? 424242, occurredAt: Math.round(created), subscriptionType: 'contact.creation', attemptNumber: 0, objectId: id, changeFlag: 'CREATED', changeSource: 'FORM', sourceId: 'form' });
    const activity = { champion: 0.9, practitioner: 0.7, researcher: 0.6, poor_fit: 0.5, competitor: 0.6, free_mail: 0.5, customer: 0.4, open_opportunity: 0.5 }[persona];
    // Some go quiet after their first week: they are the re-engage track's material.
    const quietAfter = chance(0.3) ? created + (3 + rnd() * 7) * DAY : now;
    let pageViews = 0;
    for (let t = created + rnd() * DAY; t < Math.min(now, quietAfter); t += (0.5 + rnd() * 4) * DAY) {
      if (!chance(activity)) continue;
      if (chance(0.6)) {
        change(id, t, 'hs_email_last_open_date', String(Math.round(t)), 'EMAIL');
        count('email_opened');
      }
      if (chance(0.2)) {
        change(id, t + 60_000, 'hs_email_last_click_date', String(Math.round(t + 60_000)), 'EMAIL');
        count('email_clicked');
      }
      if (chance(0.5)) {
        const url = SITE + pick(BLOG);
        change(id, t + 120_000, 'hs_analytics_last_url', url);
        change(id, t + 120_000, 'hs_analytics_num_page_views', String(++pageViews));
        count('page_viewed');
      }
      if (chance(persona === 'champion' ? 0.25 : persona === 'practitioner' ? 0.12 : 0.04)) {
        change(id, t + 180_000, 'hs_analytics_last_url', `${SITE}/pricing`);
        change(id, t + 180_000, 'hs_analytics_num_page_views', String(++pageViews));
        count('pricing_viewed');
      }
      if (chance(0.08)) {
        change(id, t + 240_000, 'recent_conversion_event_name', pick(CONTENT), 'FORM');
        count('content_download');
      }
      if (chance(persona === 'champion' || persona === 'practitioner' ? 0.06 : 0.02)) {
        change(id, t + 300_000, 'recent_conversion_event_name', WEBINAR, 'FORM');
        count('webinar_attended');
      }
    }
    const lastActive = Math.min(now - DAY * 0.02, quietAfter);
    if (persona === 'champion' && chance(0.35)) {
      change(id, lastActive - rnd() * 3 * DAY, 'recent_conversion_event_name', 'Request a demo', 'FORM');
      count('demo_request');
    }
    if ((persona === 'practitioner' || persona === 'champion') && chance(0.05)) {
      change(id, lastActive - rnd() * 2 * DAY, 'hs_email_last_reply_date', String(Math.round(lastActive)), 'EMAIL');
      count('email_replied');
    }
    if (chance(persona === 'poor_fit' || persona === 'free_mail' ? 0.12 : 0.04)) {
      change(id, lastActive - rnd() * DAY, 'hs_email_optout', 'true', 'EMAIL');
      count('unsubscribed');
    }
    if (chance(0.12)) {
      const kind = pick(['job_change', 'funding_round', 'hiring_surge', 'intent_spike'] as const);
      const at = now - rnd() * 5 * DAY;
      signals.push({ id: `sig-${id}-${kind}`, contactId: String(id), kind, strength: Math.round((0.5 + rnd() * 0.5) * 100) / 100, occurredAt: new Date(at).toISOString(), detail: { job_change: `new role at ${company}`, funding_round: `${company} raised a Series B`, hiring_surge: `${company} is hiring 20 sales reps`, intent_spike: 'researching lead scoring tools' }[kind] });
      count(`signal.${kind}`);
    }
  }
  webhookEvents.sort((a, b) => (a.occurredAt as number) - (b.occurredAt as number) || (a.eventId as number) - (b.eventId as number));
  stats.contacts = contacts.length;
  stats.webhookEvents = webhookEvents.length;
  stats.signals = signals.length;
  return { contacts, webhookEvents, signals, stats };
}
