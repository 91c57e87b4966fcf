// SQLite writes off the event loop. An insert into a large envelopes table costs tens of µs of CPU per
// row, about as much as a bare HTTP request, plus the digest and the dedupe check; done on the main
// thread it capped single-envelope publishes (npm run bench -- node). A worker thread with its own
// connection runs the write session (sqlite-write-session.cjs: digests, dedupe, the insert transaction)
// instead; the main thread keeps its connection for queries (WAL lets readers and the one writer work
// side by side) and answers a publish only once the worker reports the transaction committed, so
// durability is unchanged (test/network/durability.test.ts).
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { INT64_MAX } from '@/network/limits/sizes';
import {
  ADD_TOPIC_SQL,
  FIND_TOPIC_SQL,
  INDEX_BATCH_ROWS,
  INDEX_ROWS_SQL,
  INDEXED_THROUGH_SQL,
  INSERT_SQL,
  MAX_ID_SQL,
  SET_INDEXED_THROUGH_SQL,
  TOPIC_CACHE_LIMIT,
} from './sqlite-sql';
import type { NewEnvelope } from './store';
import { WRITE_SESSION_MODULE, type WriteSessionOptions } from './write-session';

// Plain CommonJS run with `eval`, so it works the same under tsx, vitest and node. A batch arrives as
// transferred buffers only (see EncodedBatch). The thread loads the digest index first and says so
// ('ready'); batches posted meanwhile wait in its queue.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const { openWriteSession, lowerThreadPriority } = require(workerData.sessionModule);
lowerThreadPriority(workerData.nice);
const db = new Database(workerData.path);
db.pragma('synchronous = ' + workerData.synchronous);
db.pragma('busy_timeout = 5000');
for (const pragma of workerData.pragmas) db.pragma(pragma);
const session = openWriteSession(db, workerData.session);
parentPort.postMessage({ ready: { rows: session.rows, seconds: session.loadSeconds } });
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const blob = Buffer.from(m.blob.buffer, m.blob.byteOffset, m.blob.byteLength);
    const flags = session.write(blob, m.ends, m.timestamps);
    parentPort.postMessage({ id: m.id, flags }, [flags.buffer]);
  } catch (error) {
    parentPort.postMessage({ id: m.id, error: String((error && error.message) || error) });
    return;
  }
  // After the answer is on its way.
  session.indexIfDue();
});
`;

/**
 * One batch as the write session takes it: per envelope `utf8(topic) ‖ message` in `blob`, where each
 * topic and message ends in `ends`, and the timestamps. Structured-cloning a Uint8Array copies its whole
 * backing ArrayBuffer (8 KiB per message for a Buffer from Node's pool), and cloning strings and BigInts
 * costs more than encoding them.
 */
export interface EncodedBatch {
  blob: Buffer;
  ends: Uint32Array;
  timestamps: BigInt64Array;
}

/** Encodes envelopes for the write session; throws RangeError for a timestamp beyond int64. */
export function encodeBatch(envelopes: readonly NewEnvelope[]): EncodedBatch {
  let size = 0;
  for (const e of envelopes) size += Buffer.byteLength(e.contentTopic) + e.message.length;
  const blob = Buffer.allocUnsafeSlow(size);
  const ends = new Uint32Array(envelopes.length * 2);
  const timestamps = new BigInt64Array(envelopes.length);
  let at = 0;
  for (let i = 0; i < envelopes.length; i++) {
    const e = envelopes[i]!;
    // BigInt64Array would wrap a larger value silently; SQLite integers are int64.
    if (e.timestampNs > INT64_MAX || e.timestampNs < -INT64_MAX - 1n) {
      throw new RangeError(`timestamp ${e.timestampNs} does not fit in int64`);
    }
    at += blob.write(e.contentTopic, at, 'utf8');
    ends[2 * i] = at;
    blob.set(e.message, at);
    at += e.message.length;
    ends[2 * i + 1] = at;
    timestamps[i] = e.timestampNs;
  }
  return { blob, ends, timestamps };
}

interface Pending {
  resolve(flags: Uint8Array): void;
  reject(error: unknown): void;
}

type Reply =
  | { ready: { rows: number; seconds: number } }
  | { id: number; flags: Uint8Array }
  | { id: number; error: string };

export interface SqliteWriterOptions {
  path: string;
  synchronous: 'NORMAL' | 'FULL';
  /** Further per-connection pragmas, e.g. the automatic checkpoint threshold. */
  pragmas: string[];
  session: WriteSessionOptions;
  /** The thread's nice value (Linux), above the event loop's: see lowerThreadPriority. */
  nice: number;
}

export const WRITER_SESSION: WriteSessionOptions = {
  sql: {
    maxId: MAX_ID_SQL,
    findTopic: FIND_TOPIC_SQL,
    addTopic: ADD_TOPIC_SQL,
    insert: INSERT_SQL,
    indexedThrough: INDEXED_THROUGH_SQL,
    indexRows: INDEX_ROWS_SQL,
    setIndexedThrough: SET_INDEXED_THROUGH_SQL,
  },
  topicCacheLimit: TOPIC_CACHE_LIMIT,
  indexBatchRows: INDEX_BATCH_ROWS,
};

/**
 * The writer thread of one SQLite database. Batches are written in the order they were posted,
 * one transaction each. When the worker dies, `write` rejects what was in flight and `alive`
 * turns false; the store then writes on the main thread.
 */
export class SqliteWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly exited: Promise<void>;
  private nextId = 0;
  alive = true;
  /** Resolves with what the thread loaded at open (undefined if it died first). */
  readonly ready: Promise<{ rows: number; seconds: number } | undefined>;

  constructor(options: SqliteWriterOptions) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, sessionModule: WRITE_SESSION_MODULE, ...options },
    });
    let loaded: (value: { rows: number; seconds: number } | undefined) => void = () => {};
    this.ready = new Promise((resolve) => (loaded = resolve));
    // Idle, it must not keep the process alive; pending writes hold a ref (see write).
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      if ('ready' in reply) {
        loaded(reply.ready);
        return;
      }
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if ('error' in reply) waiting.reject(new Error(reply.error));
      else waiting.resolve(reply.flags);
    });
    this.worker.on('error', () => {});
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        this.alive = false;
        loaded(undefined);
        for (const waiting of this.pending.values()) waiting.reject(new Error('SQLite writer thread exited'));
        this.pending.clear();
        resolve();
      }),
    );
  }

  /** Writes `batch` (its buffers are transferred: unusable afterwards); resolves with its new-flags. */
  write(batch: EncodedBatch): Promise<Uint8Array> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...batch }, [
        batch.blob.buffer as ArrayBuffer,
        batch.ends.buffer as ArrayBuffer,
        batch.timestamps.buffer as ArrayBuffer,
      ]);
    });
  }

  /** Lets the batches already posted finish, then closes the worker's connection. */
  async close(): Promise<void> {
    // Writes from now on go to the store's own connection, still open until this resolves.
    if (this.alive) this.worker.postMessage('close');
    this.alive = false;
    const timer = setTimeout(() => void this.worker.terminate(), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
