// SQLite writes off the event loop. An insert into a large envelopes table costs tens of µs of CPU per
// row, about as much as a bare HTTP request, plus the digest and the dedupe check; done on the main
// thread it capped single-envelope publishes (npm run bench -- node). A worker thread with its own
// connection (sqlite-writer-thread.ts) writes instead; the main thread keeps its connection for queries
// (WAL lets readers and the one writer work side by side) and answers a publish only once the thread
// reports the transaction committed, so durability is unchanged (test/network/durability.test.ts).
import { Worker } from 'node:worker_threads';
import { INT64_MAX } from '@/network/limits/sizes';
import type { NewEnvelope } from './store';
import type { CheckpointerData, WriteRequest, WriterData, WriterReply } from './sqlite-writer-thread';

// A plain module that loads the TypeScript one (see there why).
const THREAD_ENTRY = new URL('./sqlite-writer-thread.mjs', import.meta.url);

/**
 * One batch as the writer thread takes it: per envelope `utf8(topic) ‖ message` in `blob`, where each
 * topic and message ends in `ends`, and the timestamps. Structured-cloning a Uint8Array copies its whole
 * backing ArrayBuffer (8 KiB per message for a Buffer from Node's pool), and cloning strings and BigInts
 * costs more than encoding them.
 */
export interface EncodedBatch {
  blob: Buffer;
  ends: Uint32Array;
  timestamps: BigInt64Array;
}

/** Encodes envelopes for the writer thread; throws RangeError for a timestamp beyond int64. */
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

export type SqliteWriterOptions = Omit<WriterData, 'role'>;

/**
 * The writer thread of one SQLite database. Batches are written in the order they were posted, one
 * transaction each. When the thread dies, `write` rejects what was in flight and `alive` turns false;
 * the store then starts a new one.
 */
export class SqliteWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly exited: Promise<void>;
  private nextId = 0;
  private failure: Error | undefined;
  alive = true;
  /** Resolves with what the thread loaded at open; rejects if it died first. */
  readonly ready: Promise<{ rows: number; seconds: number }>;

  constructor(options: SqliteWriterOptions) {
    this.worker = new Worker(THREAD_ENTRY, {
      workerData: { role: 'writer', ...options } satisfies WriterData,
    });
    let loaded: (value: { rows: number; seconds: number }) => void = () => {};
    let failed: (error: Error) => void = () => {};
    this.ready = new Promise((resolve, reject) => ((loaded = resolve), (failed = reject)));
    // Idle, it must not keep the process alive; pending writes hold a ref (see write).
    this.worker.unref();
    this.worker.on('message', (reply: WriterReply) => {
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
    // An uncaught error ends the thread: kept to say why in what it rejects.
    this.worker.on('error', (error) => (this.failure = error));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        this.alive = false;
        const why = new Error(
          `SQLite writer thread exited${this.failure ? `: ${this.failure.message}` : ''}`,
        );
        failed(why);
        for (const waiting of this.pending.values()) waiting.reject(why);
        this.pending.clear();
        resolve();
      }),
    );
    // Rejections of `ready` are for whoever awaits it; an unobserved one is not an error of the process.
    this.ready.catch(() => undefined);
  }

  /** Writes `batch` (its buffers are transferred: unusable afterwards); resolves with its new-flags. */
  write(batch: EncodedBatch): Promise<Uint8Array> {
    if (!this.alive) return Promise.reject(new Error('SQLite writer thread is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      const request: WriteRequest = { id, ...batch };
      this.worker.postMessage(request, [
        batch.blob.buffer as ArrayBuffer,
        batch.ends.buffer as ArrayBuffer,
        batch.timestamps.buffer as ArrayBuffer,
      ]);
    });
  }

  /** Lets the batches already posted finish, then closes the thread's connection. */
  async close(): Promise<void> {
    if (this.alive) this.worker.postMessage('close');
    this.alive = false;
    const timer = setTimeout(() => void this.worker.terminate(), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The WAL checkpointer thread of one SQLite database (see sqlite-writer-thread.ts). */
export class SqliteCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(options: Omit<CheckpointerData, 'role'>) {
    this.worker = new Worker(THREAD_ENTRY, {
      workerData: { role: 'checkpointer', ...options } satisfies CheckpointerData,
    });
    this.worker.unref();
    // A failed checkpointer only means checkpoints fall back to SQLite's automatic ones.
    this.worker.on('error', () => {});
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  async close(): Promise<void> {
    this.worker.postMessage('close');
    const timer = setTimeout(() => void this.worker.terminate(), 2000);
    await this.exited;
    clearTimeout(timer);
  }
}
