// Busy threads that keep every core loaded while a test runs, for behaviour that must hold "also under CPU
// load" (the reopen test). Plain JavaScript in a data: URL module, so it needs no loader in the worker.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const SPIN = new URL(
  'data:text/javascript,' +
    encodeURIComponent(
      "import { parentPort } from 'node:worker_threads';" +
        'let on = true; parentPort.on("message", () => { on = false; parentPort.close(); });' +
        'const spin = () => { const end = Date.now() + 20; while (Date.now() < end); if (on) setImmediate(spin); };' +
        'spin();',
    ),
);

/** Starts one busy thread per core; the returned function stops them. */
export function loadEveryCore(threads = availableParallelism()): () => Promise<void> {
  const workers = Array.from({ length: threads }, () => new Worker(SPIN));
  return async () => {
    await Promise.all(
      workers.map(async (worker) => {
        worker.postMessage('stop');
        await worker.terminate();
      }),
    );
  };
}
