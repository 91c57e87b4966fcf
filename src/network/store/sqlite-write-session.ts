// The SQLite store's write path on the writer thread's connection (sqlite-writer-thread.ts): digests,
// dedupe and the insert transaction, and the topic-index passes.
//
// Dedupe is exact: the digest index (digest-index.ts) is rebuilt from the database when the session opens,
// and other connections may write the database too, so each transaction first reads the rows written
// since this session last looked (it holds the write lock, so nothing can slip in between).
//
// The topic index (migrations/sqlite/003) is filled in passes: once `indexBatchRows` rows are above
// `indexed_through`, `indexIfDue` adds their entries to topic_index in one sorted pass; queries read the
// rows above the mark from the table (sqlite-tail.ts).
import type Database from 'better-sqlite3';
import { sha256 } from './digest';
import { DigestIndex } from './digest-index';
import {
  ADD_TOPIC_SQL,
  FIND_TOPIC_SQL,
  INDEX_ROWS_SQL,
  INDEXED_THROUGH_SQL,
  INSERT_SQL,
  MAX_ID_SQL,
  SET_INDEXED_THROUGH_SQL,
  TOPIC_CACHE_LIMIT,
} from './sqlite-sql';

export interface WriteSession {
  /** Rows in the database when the session opened. */
  readonly rows: number;
  /** Seconds spent loading the digest index at open. */
  readonly loadSeconds: number;
  /**
   * Writes one batch in one IMMEDIATE transaction: per envelope `utf8(topic) ‖ message` in `blob`,
   * `ends[2i]` where the topic ends and `ends[2i+1]` where the message ends. Returns 1 per envelope
   * that was new, 0 per duplicate.
   */
  write(blob: Buffer, ends: Uint32Array, timestamps: BigInt64Array): Uint8Array;
  /**
   * Adds the topic_index entries of the rows above `indexed_through` once there are at least
   * `indexBatchRows` of them; says whether it did. Never throws: a failed pass is tried again later.
   */
  indexIfDue(): boolean;
}

/** The topic-index pass on one connection. */
export interface IndexPass {
  /** `indexed_through` as this connection last read or moved it. */
  readonly through: number;
  /** Reads `indexed_through` (inside the caller's transaction, if any). */
  read(): number;
  /** Indexes every row above the mark, in one IMMEDIATE transaction, sorted so each leaf page is written once. */
  run(): void;
}

export function openIndexPass(db: Database.Database): IndexPass {
  const indexedThrough = db.prepare(INDEXED_THROUGH_SQL).pluck();
  const maxId = db.prepare(MAX_ID_SQL).pluck();
  const indexRows = db.prepare(INDEX_ROWS_SQL);
  const setIndexedThrough = db.prepare(SET_INDEXED_THROUGH_SQL);
  // The mark as this connection last read or moved it (another connection may index too).
  let through = 0;
  const pass = db.transaction(() => {
    const from = indexedThrough.get() as number;
    const to = maxId.get() as number;
    if (to > from) {
      indexRows.run(from, to);
      setIndexedThrough.run(to);
    }
    through = to;
  });
  return {
    get through() {
      return through;
    },
    read() {
      through = indexedThrough.get() as number;
      return through;
    },
    run() {
      pass.immediate();
    },
  };
}

export function openWriteSession(db: Database.Database, indexBatchRows: number): WriteSession {
  if (!(indexBatchRows >= 1)) throw new RangeError('indexBatchRows must be at least 1');
  const maxId = db.prepare(MAX_ID_SQL).pluck();
  const findTopic = db.prepare(FIND_TOPIC_SQL).pluck();
  const addTopic = db.prepare(ADD_TOPIC_SQL);
  const insert = db.prepare(INSERT_SQL);
  const rowsAfter = db.prepare('SELECT id, digest FROM envelopes WHERE id > ?').raw(true);
  // At open, every digest: read from the topic index, which holds them with their rowids and is smaller
  // than the table, and from the rows not indexed yet.
  const indexedDigests = db.prepare('SELECT id, digest FROM topic_index').raw(true);
  const indexPass = openIndexPass(db);
  const digestAt = db.prepare('SELECT digest FROM envelopes WHERE id = ?').pluck(true);
  const readDigest = (rowid: number): Uint8Array | undefined => digestAt.get(rowid) as Buffer | undefined;

  const started = performance.now();
  const rows = maxId.get() as number;
  // Sized for the rows there are (ids count them: rows are never deleted) and half as many again, so
  // neither loading nor the next many publishes regrow it (a regrow copies the whole table).
  const index = new DigestIndex(rows + Math.ceil(rows / 2));
  // Every digest up to this rowid is in the index.
  let seenUpTo = 0;
  const catchUp = (): void => {
    for (const [id, digest] of rowsAfter.iterate(seenUpTo) as Iterable<[number, Buffer]>) {
      index.add(digest, id);
      if (id > seenUpTo) seenUpTo = id;
    }
  };
  db.transaction(() => {
    seenUpTo = indexPass.read();
    for (const [id, digest] of indexedDigests.iterate() as Iterable<[number, Buffer]>) index.add(digest, id);
    catchUp();
  })();
  const loadSeconds = (performance.now() - started) / 1000;

  // Topic ids never change once given, so they are cached (bounded); a rolled-back batch may have added
  // topics, so a failure clears the cache.
  const topicIds = new Map<string, number>();
  const topicId = (name: string): number => {
    let id = topicIds.get(name);
    if (id === undefined) {
      id = (findTopic.get(name) as number | undefined) ?? Number(addTopic.run(name).lastInsertRowid);
      if (topicIds.size >= TOPIC_CACHE_LIMIT) topicIds.clear();
      topicIds.set(name, id);
    }
    return id;
  };

  // (digest, rowid) pairs written by the open transaction: indexed once it commits.
  const written: [Buffer, number][] = [];
  const transaction = db.transaction(
    (blob: Buffer, ends: Uint32Array, timestamps: BigInt64Array, flags: Uint8Array) => {
      if (maxId.get() !== seenUpTo) catchUp();
      const now = Date.now();
      // A digest repeated inside the batch is new once, like consecutive inserts (§13.2).
      const inBatch = timestamps.length > 1 ? new Set<string>() : undefined;
      let from = 0;
      for (let i = 0; i < timestamps.length; i++) {
        const topicEnd = ends[2 * i]!;
        const end = ends[2 * i + 1]!;
        // topic ‖ message lie side by side in the blob: the digest's input as is.
        const digest = sha256(blob.subarray(from, end));
        const start = from;
        from = end;
        if (index.find(digest, readDigest) !== undefined) continue;
        if (inBatch) {
          const key = digest.toString('latin1');
          if (inBatch.has(key)) continue;
          inBatch.add(key);
        }
        const topic = blob.toString('utf8', start, topicEnd);
        const result = insert.run(topicId(topic), timestamps[i], digest, blob.subarray(topicEnd, end), now);
        written.push([digest, Number(result.lastInsertRowid)]);
        flags[i] = 1;
      }
    },
  );

  return {
    rows,
    loadSeconds,
    write(blob, ends, timestamps) {
      const flags = new Uint8Array(timestamps.length);
      written.length = 0;
      try {
        transaction.immediate(blob, ends, timestamps, flags);
      } catch (error) {
        topicIds.clear();
        written.length = 0;
        throw error;
      }
      for (const [digest, rowid] of written) {
        index.add(digest, rowid);
        if (rowid > seenUpTo) seenUpTo = rowid;
      }
      written.length = 0;
      return flags;
    },
    indexIfDue() {
      if (seenUpTo - indexPass.through < indexBatchRows) return false;
      try {
        indexPass.run();
      } catch {
        // A failed pass (e.g. a busy database) changes nothing and is tried again after the next batch;
        // until then queries read the rows from the table (sqlite-tail.ts).
        return false;
      }
      return true;
    },
  };
}
