// The node's storage contract. SQLite (embedded default) and PostgreSQL implement it;
// one test suite (test/network/store.suite.ts) runs against both.
// Semantics follow docs/protocol.md §1.5 and §13.

/** An envelope as stored: the digest sha256(utf8(contentTopic) ‖ message) is its primary key. */
export interface StoredEnvelope {
  contentTopic: string;
  /** Sender timestamp as given by the client (uint64 nanoseconds, must fit in int64 to be stored). */
  timestampNs: bigint;
  message: Uint8Array;
  /** sha256(utf8(contentTopic) ‖ message), 32 bytes. */
  digest: Uint8Array;
}

/** An envelope to insert: the store computes the digest when the caller has not. */
export type NewEnvelope = Omit<StoredEnvelope, 'digest'> & { digest?: Uint8Array };

export type SortDirection = 'ascending' | 'descending';

export interface StoreQuery {
  /** At least one topic; results of several topics are merged. */
  contentTopics: string[];
  /** Inclusive bounds on timestampNs; undefined means unbounded. */
  startTimeNs?: bigint;
  endTimeNs?: bigint;
  /** Rows to return (the API layer validates 1..100, or 500 for a single userpreferences topic). */
  limit: number;
  direction: SortDirection;
  /**
   * Continue after this position in (timestampNs, digest) order. With senderTimeNs set and a
   * digest: strictly after (T, digest) in the query direction; with only a digest: digest
   * comparison alone (bytea order), as the reference node does.
   */
  cursor?: { digest: Uint8Array; senderTimeNs?: bigint };
}

/** A page of the store in insertion order (history sync between nodes, src/network/sync). */
export interface ScanPage<E extends NewEnvelope = StoredEnvelope> {
  envelopes: E[];
  /** Opaque position after the page's last envelope; pass it back as `after`. Unchanged for an empty page. */
  position: string;
  /** True when `after` lay beyond this store's end (the store was replaced): the page starts over. */
  restarted: boolean;
}

export interface EnvelopeStore {
  /** Human-readable description for the start-up banner, e.g. "SQLite at .xmtp-node/envelopes.db (1,204 envelopes)". */
  readonly description: string;
  /** Identifies the database when several nodes may share it (PostgreSQL), so they can tell. */
  readonly identity?: string;
  /**
   * Stores envelopes atomically as one batch; resolves once they are durable. Returns, per
   * envelope, true when it was new and false when its digest was already stored (a duplicate
   * is not an error: the caller still relays it).
   */
  insert(envelopes: NewEnvelope[]): Promise<boolean[]>;
  /** Envelopes ordered by (timestampNs, digest) in the query direction. */
  query(query: StoreQuery): Promise<StoredEnvelope[]>;
  /**
   * Envelopes stored after `after` (undefined: from the start), oldest insertion first, at most
   * `limit`. Positions only grow and an envelope never appears before a position already handed out,
   * so a reader that resumes from its last position misses nothing (optional: history sync needs it).
   */
  scan?: {
    (after: string | undefined, limit: number): Promise<ScanPage>;
    /**
     * With `{ digests: false }` a store may leave the digests out: a whole sync page does not send them, and
     * reading them cost the SQLite scan a 32-byte Buffer per row.
     */
    (after: string | undefined, limit: number, options: { digests: false }): Promise<ScanPage<NewEnvelope>>;
  };
  /** Flushes and releases the store. */
  close(): Promise<void>;
}
