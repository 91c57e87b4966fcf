// The persistent conversation cache and the sync state of the two list() jobs (docs/protocol.md §12.2).
// A warm list() reads this and fetches only what arrived since the last run, minus a 10 s overlap; the
// ids of envelopes already handled inside that overlap are remembered so they are not decrypted twice.
import { fromBase64, toBase64, utf8, fromUtf8 } from '@/protocol/bytes';
import type { Persistence } from '@/client/persistence';

export interface ConversationContext {
  conversationId: string;
  metadata: Record<string, string>;
}

/** A V2 conversation as opened from its invitation (§8.3). The key material is secret. */
export interface V2ConversationRecord {
  topic: string;
  peerAddress: string;
  createdNs: bigint;
  context?: ConversationContext;
  keyMaterial: Uint8Array;
}

/** A V1 conversation: a dm topic and its peer; createdNs is the earliest intro (§12.2). */
export interface V1ConversationRecord {
  topic: string;
  peerAddress: string;
  createdNs: bigint;
}

export type SyncJob = 'v1' | 'v2';

export interface SyncState {
  /** Start of the last successful run, ns (0 = never ran). */
  lastRunNs: bigint;
  /** Ids (§7.1) → timestamps of envelopes handled that fall in the overlap window of the next run. */
  seen: Map<string, bigint>;
}

/** xmtp-js re-reads 10 s before the last run to catch envelopes published with slightly older stamps. */
export const SYNC_OVERLAP_NS = 10_000_000_000n;

const CONVERSATIONS_KEY = 'conversations';
const SYNC_KEY = 'sync';

interface StoredV2 {
  t: string;
  p: string;
  c: string;
  k: string;
  x?: ConversationContext;
}
interface StoredV1 {
  t: string;
  p: string;
  c: string;
}

export class ConversationStore {
  readonly v1 = new Map<string, V1ConversationRecord>();
  readonly v2 = new Map<string, V2ConversationRecord>();
  readonly sync: Record<SyncJob, SyncState> = {
    v1: { lastRunNs: 0n, seen: new Map() },
    v2: { lastRunNs: 0n, seen: new Map() },
  };
  #loaded: Promise<void> | undefined;
  #dirty = false;
  #saving: Promise<void> = Promise.resolve();

  constructor(private readonly persistence: Persistence) {}

  load(): Promise<void> {
    this.#loaded ??= this.#load();
    return this.#loaded;
  }

  async #load(): Promise<void> {
    const [conversations, sync] = await Promise.all([
      this.persistence.get(CONVERSATIONS_KEY),
      this.persistence.get(SYNC_KEY),
    ]);
    // A cache that does not parse is dropped: the next run rebuilds it from the network.
    try {
      if (conversations) {
        const doc = JSON.parse(fromUtf8(conversations)) as { v1?: StoredV1[]; v2?: StoredV2[] };
        for (const r of doc.v1 ?? [])
          this.v1.set(r.t, { topic: r.t, peerAddress: r.p, createdNs: BigInt(r.c) });
        for (const r of doc.v2 ?? []) {
          const rec: V2ConversationRecord = {
            topic: r.t,
            peerAddress: r.p,
            createdNs: BigInt(r.c),
            keyMaterial: fromBase64(r.k),
          };
          if (r.x) rec.context = r.x;
          this.v2.set(r.t, rec);
        }
      }
      if (sync) {
        const doc = JSON.parse(fromUtf8(sync)) as Record<SyncJob, { last: string; seen: [string, string][] }>;
        for (const job of ['v1', 'v2'] as const) {
          const d = doc[job];
          if (d)
            this.sync[job] = {
              lastRunNs: BigInt(d.last),
              seen: new Map(d.seen.map(([id, ns]) => [id, BigInt(ns)])),
            };
        }
      }
    } catch {
      this.v1.clear();
      this.v2.clear();
      this.sync.v1 = { lastRunNs: 0n, seen: new Map() };
      this.sync.v2 = { lastRunNs: 0n, seen: new Map() };
    }
  }

  /**
   * Adds a V2 conversation unless its topic is known: the first (earliest) invite for a topic wins (§8.3).
   * Lists read newest first, so an earlier invitation may come after a later one: it then takes its place.
   */
  addV2(record: V2ConversationRecord): V2ConversationRecord {
    const existing = this.v2.get(record.topic);
    if (existing && existing.createdNs <= record.createdNs) return existing;
    this.v2.set(record.topic, record);
    this.#dirty = true;
    return record;
  }

  /** Adds a V1 conversation, keeping the earliest intro time per dm topic (§12.2). */
  addV1(record: V1ConversationRecord): V1ConversationRecord {
    const existing = this.v1.get(record.topic);
    if (existing) {
      if (record.createdNs < existing.createdNs) {
        existing.createdNs = record.createdNs;
        this.#dirty = true;
      }
      return existing;
    }
    this.v1.set(record.topic, record);
    this.#dirty = true;
    return record;
  }

  /** Writes the sync state, and the conversations when they changed. Saves are serialized. */
  save(): Promise<void> {
    const run = async (): Promise<void> => {
      // Conversations first: a sync time saved without the conversations it found would skip them for good.
      if (this.#dirty) {
        this.#dirty = false;
        try {
          await this.persistence.set(CONVERSATIONS_KEY, utf8(JSON.stringify(this.#conversationsDoc())));
        } catch (e) {
          this.#dirty = true;
          throw e;
        }
      }
      await this.persistence.set(SYNC_KEY, utf8(JSON.stringify(this.#syncDoc())));
    };
    this.#saving = this.#saving.then(run, run);
    return this.#saving;
  }

  #syncDoc(): Record<SyncJob, { last: string; seen: [string, string][] }> {
    const out = {} as Record<SyncJob, { last: string; seen: [string, string][] }>;
    for (const job of ['v1', 'v2'] as const) {
      const { lastRunNs, seen } = this.sync[job];
      out[job] = { last: lastRunNs.toString(), seen: [...seen].map(([id, ns]) => [id, ns.toString()]) };
    }
    return out;
  }

  #conversationsDoc(): { v1: StoredV1[]; v2: StoredV2[] } {
    return {
      v1: [...this.v1.values()].map((r) => ({ t: r.topic, p: r.peerAddress, c: r.createdNs.toString() })),
      v2: [...this.v2.values()].map((r) => {
        const s: StoredV2 = {
          t: r.topic,
          p: r.peerAddress,
          c: r.createdNs.toString(),
          k: toBase64(r.keyMaterial),
        };
        if (r.context) s.x = r.context;
        return s;
      }),
    };
  }
}
