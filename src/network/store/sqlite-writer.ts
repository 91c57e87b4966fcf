// SQLite writes off the event loop. An insert into a large envelopes table costs 40–80 µs of CPU per
// row (three B-trees with random keys), more than a bare HTTP request; done on the main thread it
// capped single-envelope publishes (npm run bench -- node). A worker thread with its own connection
// runs the insert transactions instead; the main thread keeps its connection for queries (WAL lets
// readers and the one writer work side by side) and answers a publish only once the worker reports
// the transaction committed, so durability is unchanged (test/network/durability.test.ts).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { INT64_MAX } from '@/network/limits/sizes';
import { ADD_TOPIC_SQL, FIND_TOPIC_SQL, INSERT_SQL, MAX_ID_SQL, TOPIC_CACHE_LIMIT } from './sqlite-sql';
import type { StoredEnvelope } from './store';

// Plain CommonJS run with `eval`, so it works the same under tsx, vitest and plain node. A batch
// arrives as transferred buffers only: digest ‖ topic ‖ message per envelope (`ends` marks where
// each topic and message ends) and the timestamps. Structured-cloning a Uint8Array copies its whole
// backing ArrayBuffer (8 KiB per message for a Buffer from Node's pool), and cloning strings and
// BigInts cost more than encoding them. The batch is written only if
// the database's largest rowid is still the one the store last saw: the store deduplicates against
// what it has seen (digest-index.ts), so a row written meanwhile by another connection or process
// sends the batch back to be checked again ('stale').
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('busy_timeout = 5000');
for (const pragma of workerData.pragmas) db.pragma(pragma);
const maxId = db.prepare(${JSON.stringify(MAX_ID_SQL)}).pluck();
const findTopic = db.prepare(${JSON.stringify(FIND_TOPIC_SQL)}).pluck();
const addTopic = db.prepare(${JSON.stringify(ADD_TOPIC_SQL)});
const insert = db.prepare(${JSON.stringify(INSERT_SQL)});
// Topic ids never change once given, so they are cached (bounded); a rolled-back batch may have
// added topics, so a failure clears the cache.
const topicIds = new Map();
function topicId(name) {
  let id = topicIds.get(name);
  if (id === undefined) {
    id = findTopic.get(name) ?? Number(addTopic.run(name).lastInsertRowid);
    if (topicIds.size >= ${TOPIC_CACHE_LIMIT}) topicIds.clear();
    topicIds.set(name, id);
  }
  return id;
}
// Batches are posted without waiting for the previous answer, so rows past the store's view may be
// this thread's own earlier batches, which the store checked the new batch against (it posted them
// first). Rows (ownFrom, lastWritten] are such a run of this thread's batches, with nothing else
// written in between: a batch whose view reaches ownFrom is not stale.
let lastWritten = -1;
let ownFrom = -1;
const insertBatch = db.transaction((blob, ends, timestamps, expect, rowids) => {
  const max = maxId.get();
  if (max !== expect && !(max === lastWritten && expect >= ownFrom)) return -1;
  const now = Date.now();
  let at = 0;
  for (let i = 0; i < timestamps.length; i++) {
    const digest = blob.subarray(at, at + 32);
    const topic = blob.toString('utf8', at + 32, ends[2 * i]);
    const message = blob.subarray(ends[2 * i], ends[2 * i + 1]);
    at = ends[2 * i + 1];
    rowids[i] = Number(insert.run(topicId(topic), timestamps[i], digest, message, now).lastInsertRowid);
  }
  return max;
});
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  const rowids = new Float64Array(m.timestamps.length);
  try {
    const blob = Buffer.from(m.blob.buffer, m.blob.byteOffset, m.blob.byteLength);
    const base = insertBatch.immediate(blob, m.ends, m.timestamps, m.expect, rowids);
    if (base >= 0) {
      if (base !== lastWritten) ownFrom = base;
      lastWritten = rowids[rowids.length - 1];
      parentPort.postMessage({ id: m.id, rowids }, [rowids.buffer]);
    } else {
      parentPort.postMessage({ id: m.id, stale: true });
    }
  } catch (error) {
    topicIds.clear();
    parentPort.postMessage({ id: m.id, error: String(error && error.message || error) });
  }
});
`;

/** The rowids given to a batch's envelopes, or 'stale' when the database had rows the caller did not know. */
export type WriteResult = Float64Array | 'stale';

interface Pending {
  resolve(result: WriteResult): void;
  reject(error: unknown): void;
}

type Reply =
  { id: number; rowids: Float64Array } | { id: number; stale: true } | { id: number; error: string };

export interface SqliteWriterOptions {
  path: string;
  synchronous: 'NORMAL' | 'FULL';
  /** Further per-connection pragmas, e.g. the automatic checkpoint threshold. */
  pragmas: string[];
}

/**
 * The writer thread of one SQLite database. Batches are written in the order they were posted,
 * one transaction each. When the worker dies, `insert` rejects what was in flight and `alive`
 * turns false; the store then writes on the main thread.
 */
export class SqliteWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly exited: Promise<void>;
  private nextId = 0;
  alive = true;

  constructor(options: SqliteWriterOptions) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, ...options } });
    // Idle, it must not keep the process alive; pending inserts hold a ref (see insert).
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if ('error' in reply) waiting.reject(new Error(reply.error));
      else waiting.resolve('stale' in reply ? 'stale' : reply.rowids);
    });
    this.worker.on('error', () => {});
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        this.alive = false;
        for (const waiting of this.pending.values()) waiting.reject(new Error('SQLite writer thread exited'));
        this.pending.clear();
        resolve();
      }),
    );
  }

  /**
   * Inserts `envelopes` (all new: the store has deduplicated them) in one transaction, provided the
   * database's largest rowid is still `expect`; otherwise inserts nothing and resolves 'stale'.
   */
  insert(envelopes: StoredEnvelope[], expect: number): Promise<WriteResult> {
    let size = 0;
    for (const e of envelopes) size += 32 + Buffer.byteLength(e.contentTopic) + e.message.length;
    const blob = Buffer.allocUnsafeSlow(size);
    const ends = new Uint32Array(envelopes.length * 2);
    const timestamps = new BigInt64Array(envelopes.length);
    let at = 0;
    for (let i = 0; i < envelopes.length; i++) {
      const e = envelopes[i]!;
      // The store has checked digests are 32 bytes. BigInt64Array would wrap a larger value silently; SQLite integers are int64.
      if (e.timestampNs > INT64_MAX || e.timestampNs < -INT64_MAX - 1n) {
        throw new RangeError(`timestamp ${e.timestampNs} does not fit in int64`);
      }
      blob.set(e.digest, at);
      at += 32;
      at += blob.write(e.contentTopic, at, 'utf8');
      ends[2 * i] = at;
      blob.set(e.message, at);
      at += e.message.length;
      ends[2 * i + 1] = at;
      timestamps[i] = e.timestampNs;
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, blob, ends, timestamps, expect }, [
        blob.buffer as ArrayBuffer,
        ends.buffer,
        timestamps.buffer,
      ]);
    });
  }

  /** Lets the batches already posted finish, then closes the worker's connection. */
  async close(): Promise<void> {
    // Inserts from now on go to the store's own connection, still open until this resolves.
    if (this.alive) this.worker.postMessage('close');
    this.alive = false;
    const timer = setTimeout(() => void this.worker.terminate(), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
