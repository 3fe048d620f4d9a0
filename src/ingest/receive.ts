import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import { enqueueRecompute, type RecomputeQueue } from '../queue/recompute-queue';
import type { Db } from '../store/db';
import type { Crm } from '../store/tables';
import type { InboundItem } from './inbound';
import { recordInbound, type RecordResult } from './record';

/** Every way a webhook request can end, each with its HTTP meaning. */
export type ReceiveOutcome =
  /** 401: the CRM (or an attacker) sent a bad signature; the CRM will retry, an attacker gets nothing. */
  | { kind: 'signature_invalid'; reason: string }
  /** 400: the body is not what the CRM documents; the reason names the field. */
  | { kind: 'malformed'; reason: string }
  /**
   * 2xx: recorded durably (or nothing to record); safe to acknowledge. `queue` then queues the
   * recomputes: after the answer, because the ack needs only durability, and a queueing failure is
   * covered by the dirty mark the sweeper finds.
   */
  | { kind: 'recorded'; result: RecordResult; queue: () => Promise<void> }
  /** 503: could not record; the CRM retries later, so nothing is lost. */
  | { kind: 'record_failed'; reason: string };

export interface ReceiveDeps {
  db: Db;
  recomputeQueue: RecomputeQueue;
  metrics: Metrics;
  log: Logger;
}

/** The part of every webhook route after its CRM-specific verify and parse: record, then queue. */
export async function recordAndQueue(deps: ReceiveDeps, crm: Crm, source: string, items: InboundItem[]): Promise<ReceiveOutcome> {
  let result: RecordResult;
  try {
    result = await recordInbound(deps.db, crm, items);
  } catch (err) {
    deps.log.error('webhook.record_failed', { source, error: (err as Error).message });
    return { kind: 'record_failed', reason: 'could not record the events; retry later' };
  }
  for (const [outcome, n] of Object.entries(result.counts)) {
    if (n > 0) deps.metrics.webhookEvents.inc({ source, outcome }, n);
  }
  const queue = async () => {
    try {
      await enqueueRecompute(deps.recomputeQueue, result.touched);
    } catch (err) {
      deps.log.warn('webhook.enqueue_failed', { source, contacts: result.touched.length, error: (err as Error).message });
    }
  };
  return { kind: 'recorded', result, queue };
}
