// The SQLite store's background threads (started by sqlite-writer.ts), one module for both roles:
// - the writer, the one connection that writes envelopes: it opens the database, loads the digest index
//   (sqlite-write-session.ts) and says so ('ready'); batches posted meanwhile wait in its queue. Each batch
//   is one transaction, answered once committed; after it, the topic-index pass when one is due.
// - the checkpointer, a second connection that runs PASSIVE WAL checkpoints every `intervalMs`. SQLite's
//   automatic checkpoint would run inside whichever commit crosses the threshold and fsync the database
//   while a publish waits; run between the writer's batches instead, checkpoints held its single-envelope
//   commits up by ~10 % (docs/benchmarks.md "SQLite store machinery"), and PASSIVE ones never block it.
//
// Imports stay inside this directory (no `@/` alias): the thread resolves modules with tsx's defaults.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { openWriteSession } from './sqlite-write-session';

export interface WriterData {
  role: 'writer';
  path: string;
  synchronous: 'NORMAL' | 'FULL';
  /** Further per-connection pragmas, e.g. the automatic checkpoint threshold. */
  pragmas: string[];
  indexBatchRows: number;
  /** The thread's nice value (Linux), above the event loop's: see lowerThreadPriority. */
  nice: number;
}

export interface CheckpointerData {
  role: 'checkpointer';
  path: string;
  nice: number;
  intervalMs: number;
}

/** One batch (see EncodedBatch in sqlite-writer.ts), its buffers transferred. */
export interface WriteRequest {
  id: number;
  blob: Uint8Array;
  ends: Uint32Array;
  timestamps: BigInt64Array;
}

export type WriterReply =
  | { ready: { rows: number; seconds: number } }
  | { id: number; flags: Uint8Array }
  | { id: number; error: string };

/**
 * Lowers the calling thread's scheduling priority (Linux: a thread's own nice value, found through
 * /proc/thread-self), so that when the cores are busy the event loop that parses requests and answers them
 * runs first; meanwhile batches grow, which the writer handles at a lower cost per row. Anywhere else, or
 * when not allowed, nothing changes.
 */
function lowerThreadPriority(nice: number): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (tid > 0) setPriority(tid, nice);
  } catch {
    // Not Linux: the thread keeps the process's priority.
  }
}

type Port = NonNullable<typeof parentPort>;

function checkpoint(port: Port, data: CheckpointerData): void {
  lowerThreadPriority(data.nice);
  const db = new Database(data.path);
  db.pragma('busy_timeout = 1000');
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or closing: the next round tries again.
    }
  }, data.intervalMs);
  port.on('message', () => {
    clearInterval(timer);
    db.close();
    port.close();
  });
}

function write(port: Port, data: WriterData): void {
  lowerThreadPriority(data.nice);
  const db = new Database(data.path);
  db.pragma(`synchronous = ${data.synchronous}`);
  db.pragma('busy_timeout = 5000');
  for (const pragma of data.pragmas) db.pragma(pragma);
  const session = openWriteSession(db, data.indexBatchRows);
  port.postMessage({ ready: { rows: session.rows, seconds: session.loadSeconds } } satisfies WriterReply);

  port.on('message', (m: WriteRequest | 'close') => {
    if (m === 'close') {
      db.close();
      port.close();
      return;
    }
    try {
      const blob = Buffer.from(m.blob.buffer, m.blob.byteOffset, m.blob.byteLength);
      const flags = session.write(blob, m.ends, m.timestamps);
      port.postMessage({ id: m.id, flags } satisfies WriterReply, [flags.buffer as ArrayBuffer]);
    } catch (error) {
      port.postMessage({ id: m.id, error: String((error as Error)?.message ?? error) } satisfies WriterReply);
      return;
    }
    // After the answer is on its way.
    session.indexIfDue();
  });
}

if (parentPort) {
  const data = workerData as WriterData | CheckpointerData;
  if (data.role === 'writer') write(parentPort, data);
  else checkpoint(parentPort, data);
}
