// WAL checkpoints off the main thread. SQLite's automatic checkpoint runs inside whichever commit
// crosses the threshold, copying ~1000 pages and fsyncing the database while a publish waits; on
// these machines that doubled the cost of a single-envelope commit. A worker thread with its own
// connection runs PASSIVE checkpoints instead (they never block the writer), and the main
// connection keeps a far higher automatic threshold only as a bound if the worker falls behind.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { WRITE_SESSION_MODULE } from './write-session';

// Plain CommonJS run with `eval`, so it works the same under tsx, vitest and plain node.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
require(workerData.sessionModule).lowerThreadPriority(workerData.nice);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const checkpoint = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: next round */ }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class SqliteCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(path: string, options: { intervalMs?: number; nice?: number } = {}) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    const { intervalMs = 200, nice = 0 } = options;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, sessionModule: WRITE_SESSION_MODULE, path, intervalMs, nice },
    });
    this.worker.unref();
    // A failed worker only means checkpoints fall back to SQLite's automatic ones.
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
