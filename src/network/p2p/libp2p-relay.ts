// The relay between nodes (docs/design.md §1, §1.4 "relay envelopes to other nodes"): every
// envelope a node accepts is published on one gossipsub topic as an encoded protobuf Envelope; every node
// that receives it stores it (unless ephemeral, docs/protocol.md §5) and hands it to its own subscribers. An
// envelope that arrives twice (two gossip paths, gossip and history sync) is recognised by its digest
// (§1.5) in a bounded seen-cache and delivered once.
import './polyfill';
import { TopicValidatorResult } from '@libp2p/interface';
import type { Message, PubSub } from '@libp2p/interface';
import { envelopeDigest } from '@/network/store/digest';
import type { Logger } from '@/network/http/handler';
import type { Relay, RelayEnvelope } from '@/network/relay';
import type { EnvelopeStore, NewEnvelope, StoredEnvelope } from '@/network/store/store';
import { isEphemeralTopic } from '@/network/topics';
import { decodeEnvelope, encodeEnvelope, withinLimits } from './envelope-codec';
import type { P2pMetrics } from './p2p-metrics';
import type { PeerLimiter } from './peer-limits';
import { SeenCache } from './seen-cache';
import { DIGEST_PREFIX_BYTES } from '@/network/sync/sync-protocol';

/** The gossipsub topic every node subscribes to: each node stores every envelope. */
export const ENVELOPE_TOPIC = '/xmtp-inbox/envelopes/1';

/** Received envelopes stored per transaction. */
const STORE_BATCH = 500;

export interface Libp2pRelayOptions {
  pubsub: PubSub;
  /** Where envelopes from peers are stored. */
  store: EnvelopeStore;
  metrics: P2pMetrics;
  /** Per-peer gossip limits (peer-limits.ts); without it, no per-peer limit. */
  limits?: PeerLimiter;
  /** Called with the number of envelopes newly stored from peers (the node's stored counter). */
  onStored?: (count: number) => void;
  logger: Logger;
  /** Digests remembered for deduplication (default 200 000, about 20 MB). */
  seenCapacity?: number;
  /**
   * Envelopes found by history sync are handed to subscribers when they are new to this node and their
   * timestamp is within this window of now (default 10 min): a healed partition delivers what live
   * subscribers missed, while a node catching up on days of history does not flood them.
   */
  liveWindowMs?: number;
  now?: () => number;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/**
 * A digest's first 16 bytes (DIGEST_PREFIX_BYTES) as an 8-code-unit string: a Map key built about three
 * times faster than hex, which matters on the sync path (every synced envelope is recorded).
 */
function prefixKey(d: Uint8Array): string {
  return String.fromCharCode(
    d[0]! | (d[1]! << 8),
    d[2]! | (d[3]! << 8),
    d[4]! | (d[5]! << 8),
    d[6]! | (d[7]! << 8),
    d[8]! | (d[9]! << 8),
    d[10]! | (d[11]! << 8),
    d[12]! | (d[13]! << 8),
    d[14]! | (d[15]! << 8),
  );
}

export class Libp2pRelay implements Relay {
  private listeners: ((envelope: RelayEnvelope) => void)[] = [];
  private readonly seen: SeenCache;
  /**
   * Digest prefixes (DIGEST_PREFIX_BYTES) of envelopes known to be in this node's store, so anti-entropy
   * sync fetches only the others. Only added once a store insert succeeded; an evicted one is fetched again.
   */
  private readonly stored: SeenCache;
  private readonly incoming: RelayEnvelope[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;
  private readonly onMessage = (event: CustomEvent<Message>): void => this.receive(event.detail);

  constructor(private readonly options: Libp2pRelayOptions) {
    this.seen = new SeenCache(options.seenCapacity ?? 200_000);
    this.stored = new SeenCache(options.seenCapacity ?? 200_000);
    // Validation runs before gossipsub forwards a message: malformed or oversized envelopes are
    // rejected (and their sender penalised), ones already seen are neither forwarded nor delivered.
    options.pubsub.topicValidators.set(ENVELOPE_TOPIC, (peer, message) => {
      // The peer's rate comes first: a flood costs this node a bucket lookup per message, not a decode.
      const decision = options.limits?.gossipFrom(peer.toString()) ?? 'accept';
      if (decision !== 'accept') {
        options.metrics.limited.labels(decision === 'ignore' ? 'gossip_ignored' : 'gossip_rejected').inc();
        return decision === 'ignore' ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject;
      }
      let envelope: RelayEnvelope;
      try {
        envelope = decodeEnvelope(message.data);
      } catch {
        return TopicValidatorResult.Reject;
      }
      if (!withinLimits(envelope, options.now?.() ?? Date.now())) return TopicValidatorResult.Reject;
      if (this.seen.has(hex(envelopeDigest(envelope.contentTopic, envelope.message)))) {
        options.metrics.duplicates.inc();
        return TopicValidatorResult.Ignore;
      }
      return TopicValidatorResult.Accept;
    });
    options.pubsub.addEventListener('message', this.onMessage);
    options.pubsub.subscribe(ENVELOPE_TOPIC);
  }

  /** A locally published envelope: to local subscribers at once (§13.2: duplicates too), then to peers. */
  publish(envelope: RelayEnvelope): void {
    const digest = envelopeDigest(envelope.contentTopic, envelope.message);
    this.seen.add(hex(digest));
    // The API stores an envelope before it publishes it (ephemeral ones are never stored).
    if (!isEphemeralTopic(envelope.contentTopic)) this.markStored(digest);
    this.deliver(envelope);
    if (this.closed) return;
    this.options.pubsub.publish(ENVELOPE_TOPIC, encodeEnvelope(envelope)).then(
      () => this.options.metrics.relayed.labels('out').inc(),
      (error: Error) => {
        // A republished duplicate is refused by gossipsub's own cache: peers already have it.
        if (error.message.includes('Duplicate') || error.name === 'DuplicateError') return;
        this.options.logger.warn(`p2p: cannot relay an envelope: ${error.message}`);
      },
    );
  }

  onEnvelope(listener: (envelope: RelayEnvelope) => void): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Whether the envelope with this digest (or its DIGEST_PREFIX_BYTES prefix) is known to be stored. */
  isStored(digest: Uint8Array): boolean {
    return digest.length >= DIGEST_PREFIX_BYTES && this.stored.has(prefixKey(digest));
  }

  private markStored(digest: Uint8Array): void {
    this.stored.add(prefixKey(digest));
  }

  /**
   * Envelopes fetched by history sync: stored (the store skips the ones it has), and the new, recent
   * ones not yet seen are delivered to subscribers. Returns how many were new to the store.
   *
   * A catch-up brings mostly old history, new to this store: for those nothing is done here but the
   * insert. They are not delivered, nor recorded as seen (a million of them would push out the recent
   * digests that keep live gossip from being delivered twice), nor as stored (rarely listed again), so
   * their digest is not needed on this thread: the store's writer computes it (page-codec.ts).
   */
  async acceptSynced(envelopes: NewEnvelope[]): Promise<number> {
    const fresh = await this.options.store.insert(envelopes);
    const now = this.options.now?.() ?? Date.now();
    const since = BigInt(now - (this.options.liveWindowMs ?? 600_000)) * 1_000_000n;
    let stored = 0;
    for (let i = 0; i < envelopes.length; i++) {
      const envelope = envelopes[i]!;
      const recent = envelope.timestampNs >= since;
      if (fresh[i]) stored++;
      if (fresh[i] && !recent) continue;
      // Recorded as stored when another peer's anti-entropy may list it again: it was here already, or
      // it is recent.
      const digest = envelope.digest ?? envelopeDigest(envelope.contentTopic, envelope.message);
      this.markStored(digest);
      if (fresh[i] && this.seen.add(hex(digest))) this.deliver(envelope);
    }
    if (stored > 0) this.options.onStored?.(stored);
    return stored;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.options.pubsub.removeEventListener('message', this.onMessage);
    this.options.pubsub.topicValidators.delete(ENVELOPE_TOPIC);
    await this.draining;
    this.listeners = [];
  }

  private receive(message: Message): void {
    if (this.closed || message.topic !== ENVELOPE_TOPIC) return;
    let envelope: RelayEnvelope;
    try {
      envelope = decodeEnvelope(message.data);
    } catch {
      return;
    }
    // The validator let it through, but two copies can pass validation before either is delivered.
    if (!this.seen.add(hex(envelopeDigest(envelope.contentTopic, envelope.message)))) {
      this.options.metrics.duplicates.inc();
      return;
    }
    this.options.metrics.relayed.labels('in').inc();
    this.incoming.push(envelope);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  /** Stores received envelopes in batches, then delivers them in arrival order. */
  private async drain(): Promise<void> {
    while (this.incoming.length > 0) {
      const batch = this.incoming.splice(0, STORE_BATCH);
      const toStore: StoredEnvelope[] = [];
      for (const e of batch) {
        if (!isEphemeralTopic(e.contentTopic)) {
          toStore.push({ ...e, digest: envelopeDigest(e.contentTopic, e.message) });
        }
      }
      if (toStore.length > 0) {
        try {
          const fresh = await this.options.store.insert(toStore);
          for (const e of toStore) this.markStored(e.digest);
          const stored = fresh.filter(Boolean).length;
          if (stored > 0) this.options.onStored?.(stored);
        } catch (error) {
          // Subscribers still get them; history sync stores them once the store is back.
          this.options.logger.error(`p2p: cannot store relayed envelopes: ${(error as Error).message}`);
        }
      }
      for (const e of batch) this.deliver(e);
    }
  }

  private deliver(envelope: RelayEnvelope): void {
    for (const listener of this.listeners) listener(envelope);
  }
}
