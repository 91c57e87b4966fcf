// The message API's behaviour, independent of the transport (docs/protocol.md §1.5, §13):
// publish stores (non-ephemeral, deduplicated by digest) and relays; query pages through the
// store in (timestamp, digest) order; batch-query runs up to 50 queries.
import type { NodeMetrics } from '@/network/metrics';
import type { Relay } from '@/network/relay';
import type { EnvelopeStore, NewEnvelope } from '@/network/store/store';
import {
  isEphemeralTopic,
  isUserPreferencesTopic,
  MAX_RESTRICTED_FUTURE_MS,
  stampedTooFarAhead,
} from '@/network/topics';
import {
  MAX_BATCH_QUERIES,
  MAX_MESSAGE_BYTES,
  MAX_ROWS,
  MAX_TOPIC_BYTES,
  MAX_USERPREFERENCES_ROWS,
} from '@/network/limits/sizes';
import { invalidArgument } from './errors';
import { base64, directionName, envelopeJson } from './json';
import type { EnvelopeInput, QueryInput } from './json';

function topicBytes(topic: string): number {
  return topic.length * 3 <= MAX_TOPIC_BYTES ? topic.length : Buffer.byteLength(topic, 'utf8');
}

export class MessageService {
  constructor(
    private readonly store: EnvelopeStore,
    private readonly relay: Relay,
    private readonly metrics: NodeMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  /** Checks the size limits of every envelope before anything is stored (§13.1). */
  validatePublish(envelopes: EnvelopeInput[]): void {
    for (const e of envelopes) {
      if (topicBytes(e.contentTopic) > MAX_TOPIC_BYTES) throw invalidArgument('topic length too big');
      if (e.message.length > MAX_MESSAGE_BYTES) throw invalidArgument('message too big');
      if (stampedTooFarAhead(e.contentTopic, e.timestampNs, this.now()))
        throw invalidArgument(
          `timestamp too far in the future for a contact or private-store topic (more than ${MAX_RESTRICTED_FUTURE_MS / 60_000} minutes ahead)`,
        );
    }
  }

  /**
   * Stores the non-ephemeral envelopes in one transaction, then relays all of them, duplicates
   * included (§13.2). Unlike the reference, a publish is all or nothing: limits are checked
   * for every envelope first.
   */
  async publish(envelopes: EnvelopeInput[]): Promise<void> {
    this.validatePublish(envelopes);
    const toStore: NewEnvelope[] = [];
    for (const e of envelopes) {
      if (!isEphemeralTopic(e.contentTopic)) {
        // The store computes the digest (the SQLite store in its writer thread, off the event loop).
        toStore.push({ contentTopic: e.contentTopic, timestampNs: e.timestampNs, message: e.message });
      }
    }
    if (toStore.length > 0) {
      const fresh = await this.store.insert(toStore);
      let stored = 0;
      for (const f of fresh) if (f) stored++;
      if (stored > 0) this.metrics.countStored(stored);
    }
    this.metrics.countPublished(envelopes.length);
    for (const e of envelopes) this.relay.publish(e);
  }

  /** Validates a query as the reference does (§1.5): topics required, row cap. */
  private checkQuery(q: QueryInput, where: string): void {
    if (q.contentTopics.length === 0) throw invalidArgument(`${where}content topics required`);
    const max =
      q.contentTopics.length === 1 && isUserPreferencesTopic(q.contentTopics[0]!)
        ? MAX_USERPREFERENCES_ROWS
        : MAX_ROWS;
    // The reference's text says 100 even for the 500-row userpreferences case.
    if (q.limit > max) throw invalidArgument(`${where}cannot exceed 100 rows per query`);
  }

  /** Runs one query and returns its QueryResponse JSON. */
  private async run(q: QueryInput): Promise<string> {
    const pageSize = q.limit === 0 ? MAX_ROWS : q.limit;
    const direction = q.direction ?? 'descending';
    const rows = await this.store.query({
      contentTopics: q.contentTopics,
      startTimeNs: q.startTimeNs === 0n ? undefined : q.startTimeNs,
      endTimeNs: q.endTimeNs === 0n ? undefined : q.endTimeNs,
      limit: pageSize,
      direction,
      cursor:
        q.cursor && q.cursor.digest.length > 0
          ? {
              digest: q.cursor.digest,
              senderTimeNs: q.cursor.senderTimeNs === 0n ? undefined : q.cursor.senderTimeNs,
            }
          : undefined,
    });
    let out = '{"envelopes":[';
    for (let i = 0; i < rows.length; i++) out += (i === 0 ? '' : ',') + envelopeJson(rows[i]!);
    out += '],"pagingInfo":';
    const last = rows[rows.length - 1];
    // A short page ends the listing; a full one carries the cursor of its last envelope,
    // even when nothing follows (§1.5).
    if (rows.length < pageSize || !last) {
      out += `{"limit":0,"cursor":null,"direction":"${directionName(direction)}"}}`;
    } else {
      out +=
        `{"limit":${Math.min(pageSize, MAX_ROWS)},"cursor":{"index":{"digest":"${base64(last.digest)}",` +
        `"senderTimeNs":"${last.timestampNs}"}},"direction":"${directionName(direction)}"}}`;
    }
    return out;
  }

  async query(q: QueryInput): Promise<string> {
    this.checkQuery(q, '');
    const end = this.metrics.queryDuration.startTimer();
    try {
      return await this.run(q);
    } finally {
      end();
    }
  }

  /**
   * Up to 50 queries, answered in order. The reference wraps a failing sub-query as INTERNAL
   * (500); here a bad sub-query is the client's error: 400 naming it.
   */
  async batchQuery(queries: QueryInput[]): Promise<string> {
    if (queries.length > MAX_BATCH_QUERIES) {
      throw invalidArgument(`cannot exceed ${MAX_BATCH_QUERIES} requests in single batch`);
    }
    queries.forEach((q, i) => this.checkQuery(q, `requests[${i}]: `));
    const end = this.metrics.queryDuration.startTimer();
    try {
      const parts: string[] = [];
      for (const q of queries) parts.push(await this.run(q));
      return `{"responses":[${parts.join(',')}]}`;
    } finally {
      end();
    }
  }
}
