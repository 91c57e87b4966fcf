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
    indexState: string;
    setIndexState: string;
    passRows: string;
    addIndexEntry: string;
  };
  topicCacheLimit: number;
  /** Unindexed rows that start a pass of the topic index. */
  indexBatchRows: number;
  /** Rows per step of a pass (rounded up to a whole topic). */
  indexStepRows: number;
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
   * One step of topic-index work, if any is due (see openTopicIndexer); says whether more is waiting, to be
   * done by further calls (the writer thread makes them between batches).
   */
  indexStep(): boolean;
}

/** The topic index in passes, on one connection (see sqlite-write-session.cjs). */
export interface TopicIndexer {
  /** Every row up to this id has its entry (as this indexer last saw it). */
  readonly through: number;
  /** One step of work if any is due, given the last row id the caller knows of; says whether more is waiting. */
  step(lastId: number): boolean;
}

export declare function openTopicIndexer(
  db: Database.Database,
  sql: WriteSessionOptions['sql'],
  batchRows: number,
  stepRows: number,
): TopicIndexer;

export declare function openWriteSession(db: Database.Database, options: WriteSessionOptions): WriteSession;

/** Lowers the calling thread's scheduling priority (Linux); elsewhere does nothing. */
export declare function lowerThreadPriority(nice: number): void;
