// Types of sqlite-write-session.cjs (plain CommonJS, shared by the writer thread and the store).
import type Database from 'better-sqlite3';

/** Where the index looks up the full digest of a candidate row. */
export type DigestOf = (rowid: number) => Uint8Array | undefined;

/** Digest → rowid candidates, in memory; a hit is confirmed with `digestOf`. */
export declare class DigestIndex {
  constructor(expected?: number);
  readonly size: number;
  /** The rowid of the stored envelope with this digest, if there is one. */
  find(digest: Uint8Array, digestOf: DigestOf): number | undefined;
  /** Records that row `rowid` holds `digest` (the caller has checked it was not there). */
  add(digest: Uint8Array, rowid: number): void;
}

/** A digest's first four bytes as a number: its key in the index. */
export declare function keyOf(digest: Uint8Array): number;

export declare function sha256(bytes: Uint8Array): Buffer;

export interface WriteSessionOptions {
  sql: {
    maxId: string;
    findTopic: string;
    addTopic: string;
    insert: string;
    indexedThrough: string;
    indexRows: string;
    setIndexedThrough: string;
  };
  topicCacheLimit: number;
  /** Unindexed rows that make `indexIfDue` index them. */
  indexBatchRows: number;
}

export interface WriteSession {
  /** Rows in the database when the session opened. */
  readonly rows: number;
  /** Seconds spent loading the digest index at open. */
  readonly loadSeconds: number;
  /** Digests in the index. */
  readonly size: number;
  /**
   * Writes one batch in one IMMEDIATE transaction: per envelope `utf8(topic) ‖ message` in `blob`,
   * `ends[2i]` where the topic ends and `ends[2i+1]` where the message ends. Returns 1 per envelope
   * that was new, 0 per duplicate.
   */
  write(blob: Buffer, ends: Uint32Array, timestamps: BigInt64Array): Uint8Array;
  /**
   * Adds the topic_index entries of the rows above `indexed_through` in one IMMEDIATE transaction once
   * there are at least `indexBatchRows` of them; says whether it did. Never throws: a failed pass is tried
   * again after the next batch.
   */
  indexIfDue(): boolean;
}

/** The topic-index pass on one connection (see sqlite-write-session.cjs). */
export interface IndexPass {
  /** `indexed_through` as this connection last read or moved it. */
  readonly through: number;
  /** Reads `indexed_through` (inside the caller's transaction, if any). */
  read(): number;
  /** Indexes every row above the mark, in one IMMEDIATE transaction. */
  run(): void;
}

export declare function openIndexPass(db: Database.Database, sql: WriteSessionOptions['sql']): IndexPass;

export declare function openWriteSession(db: Database.Database, options: WriteSessionOptions): WriteSession;

/** Lowers the calling thread's scheduling priority (Linux); elsewhere does nothing. */
export declare function lowerThreadPriority(nice: number): void;
