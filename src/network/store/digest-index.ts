// The SQLite store's dedupe by digest (docs/protocol.md §1.5, §13.2), in memory. A UNIQUE index on 32 random
// bytes made every insert walk and dirty a random page of a large B-tree, the biggest part of a stored
// publish's cost (docs/benchmarks.md "SQLite store machinery"). This open-addressing table maps a digest to
// the rowids whose digest starts the same way, 8 bytes per slot: a hit is confirmed against the stored row,
// so the table may be wrong only towards "maybe" and never drops a new envelope. The writer thread rebuilds
// it from the database at open (~2 s per million envelopes; sqlite-write-session.ts).

const EMPTY = 0; // rowids start at 1

/** Where the index looks up the full digest of a candidate row. */
export type DigestOf = (rowid: number) => Uint8Array | undefined;

/** A digest's first four bytes as a number: its key in the index. */
export function keyOf(digest: Uint8Array): number {
  return ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Digest → rowid candidates; a hit is confirmed with `digestOf`. */
export class DigestIndex {
  // Slot i holds the digest's first 4 bytes (its key; the low bits pick the first slot to probe) and a
  // rowid (0 = empty). A key match is confirmed against the row; different digests sharing a key
  // (about one lookup in 4,000 at 1,000,000 envelopes) cost one extra row read.
  private keys: Uint32Array;
  private rowids: Uint32Array;
  private mask: number;
  size = 0;

  constructor(expected = 1024) {
    let capacity = 1024;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = new Uint32Array(capacity);
    this.rowids = new Uint32Array(capacity);
    this.mask = capacity - 1;
  }

  /** The rowid of the stored envelope with this digest, if there is one. */
  find(digest: Uint8Array, digestOf: DigestOf): number | undefined {
    const key = keyOf(digest);
    for (let slot = key & this.mask; ; slot = (slot + 1) & this.mask) {
      const rowid = this.rowids[slot]!;
      if (rowid === EMPTY) return undefined;
      if (this.keys[slot] === key && sameBytes(digestOf(rowid), digest)) return rowid;
    }
  }

  /** Records that row `rowid` holds `digest` (the caller has checked it was not there). */
  add(digest: Uint8Array, rowid: number): void {
    if (!Number.isSafeInteger(rowid) || rowid < 1 || rowid > 0xffffffff) {
      throw new RangeError(`rowid ${rowid} does not fit the digest index (1..2^32-1)`);
    }
    if ((this.size + 1) * 2 > this.rowids.length) this.grow();
    this.place(keyOf(digest), rowid);
    this.size++;
  }

  private place(key: number, rowid: number): void {
    let slot = key & this.mask;
    while (this.rowids[slot] !== EMPTY) slot = (slot + 1) & this.mask;
    this.keys[slot] = key;
    this.rowids[slot] = rowid;
  }

  private grow(): void {
    const { keys, rowids } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.rowids = new Uint32Array(rowids.length * 2);
    this.mask = this.rowids.length - 1;
    for (let slot = 0; slot < rowids.length; slot++) {
      if (rowids[slot] !== EMPTY) this.place(keys[slot]!, rowids[slot]!);
    }
  }
}
