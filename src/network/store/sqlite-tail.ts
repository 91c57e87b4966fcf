// The rows of the SQLite store that topic_index does not cover yet (migrations/sqlite/003): those above
// `indexed_through`, at most a few thousand, since the writer indexes them in batches
// (sqlite-write-session.ts). Each query first catches up with the table (rows that any connection
// appended since, and how far the index now reaches), then looks through its topics' unindexed rows here
// and merges them with what topic_index gives. It runs inside the query's read transaction, so the
// table, the index and the mark are one snapshot.
import type Database from 'better-sqlite3';
import { INDEXED_THROUGH_SQL } from './sqlite-sql';

/** An unindexed row: what a query filters and orders by, and where its message is. */
export interface TailRow {
  id: number;
  timestampNs: bigint;
  digest: Buffer;
}

/** The query's bounds as the tail checks them (the same as the SQL over topic_index). */
export interface TailFilter {
  startTimeNs?: bigint;
  endTimeNs?: bigint;
  /** Strictly after this (timestamp, digest) in the query's direction… */
  after?: { timestampNs: bigint; digest: Uint8Array };
  /** …or, with only a digest, strictly after this digest alone (docs/protocol.md §1.5). */
  afterDigest?: Uint8Array;
  ascending: boolean;
  limit: number;
}

/** (timestamp, digest) order, the order of every query (BLOBs compare like memcmp). */
export function compareRows(a: { timestampNs: bigint; digest: Uint8Array }, b: typeof a): number {
  if (a.timestampNs !== b.timestampNs) return a.timestampNs < b.timestampNs ? -1 : 1;
  return Buffer.compare(a.digest, b.digest);
}

/** An unindexed row as held: its key (timestamp, digest) is read when a query of its topic first needs it. */
interface HeldRow {
  id: number;
  key?: { timestampNs: bigint; digest: Buffer };
}

export class UnindexedTail {
  // Rows with through < id <= seen, by topic id, in id order.
  private readonly byTopic = new Map<number, HeldRow[]>();
  private through = 0;
  private seen = 0;
  private readonly indexedThrough: Database.Statement;
  private readonly rowsAfter: Database.Statement;
  private readonly keyAt: Database.Statement;

  constructor(db: Database.Database) {
    this.indexedThrough = db.prepare(INDEXED_THROUGH_SQL).pluck(true).safeIntegers(false);
    // Only ids and topics while catching up: reading every new row's timestamp and digest (a BigInt and a
    // Buffer each) cost ~2 µs per row, ~30–60 ms for a query after 15,000 unindexed rows; most belong to
    // topics the next queries do not ask for.
    this.rowsAfter = db
      .prepare('SELECT id, topic_id FROM envelopes WHERE id > ? ORDER BY id')
      .raw(true)
      .safeIntegers(false);
    this.keyAt = db
      .prepare('SELECT timestamp_ns, digest FROM envelopes WHERE id = ?')
      .raw(true)
      .safeIntegers(true);
  }

  /** Catches up with the database; call inside the read transaction of the query that follows. */
  sync(): void {
    const through = this.indexedThrough.get() as number;
    if (through > this.through) {
      this.through = through;
      if (this.seen <= through) {
        this.byTopic.clear();
        this.seen = through;
      } else {
        for (const [topic, rows] of this.byTopic) {
          const left = rows.filter((r) => r.id > through);
          if (left.length === 0) this.byTopic.delete(topic);
          else this.byTopic.set(topic, left);
        }
      }
    }
    for (const [id, topic] of this.rowsAfter.iterate(this.seen) as Iterable<[number, number]>) {
      let rows = this.byTopic.get(topic);
      if (!rows) this.byTopic.set(topic, (rows = []));
      rows.push({ id });
      this.seen = id;
    }
  }

  /** A held row's key, read from the table the first time (inside the query's read transaction). */
  private keyOf(row: HeldRow): { timestampNs: bigint; digest: Buffer } {
    if (!row.key) {
      const [timestampNs, digest] = this.keyAt.get(row.id) as [bigint, Buffer];
      row.key = { timestampNs, digest };
    }
    return row.key;
  }

  /** The first `limit` unindexed rows of these topics that pass the filter, in the query's order. */
  select(topicIds: Iterable<number>, f: TailFilter): (TailRow & { topicId: number })[] {
    const found: (TailRow & { topicId: number })[] = [];
    const sign = f.ascending ? 1 : -1;
    for (const topicId of topicIds) {
      for (const held of this.byTopic.get(topicId) ?? []) {
        const row = this.keyOf(held);
        if (f.startTimeNs !== undefined && row.timestampNs < f.startTimeNs) continue;
        if (f.endTimeNs !== undefined && row.timestampNs > f.endTimeNs) continue;
        if (f.after && compareRows(row, f.after) * sign <= 0) continue;
        if (f.afterDigest && Buffer.compare(row.digest, f.afterDigest) * sign <= 0) continue;
        found.push({ id: held.id, timestampNs: row.timestampNs, digest: row.digest, topicId });
      }
    }
    if (found.length === 0) return found;
    found.sort((a, b) => compareRows(a, b) * sign);
    if (found.length > f.limit) found.length = f.limit;
    return found;
  }
}
