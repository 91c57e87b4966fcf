// Opening invitations on every core in Node (node:worker_threads): a cold list of a large inbox is CPU-bound
// (signature checks, three ECDHs, HKDF and AES-GCM per invitation), and one thread would use one core of the
// machine. The pool is chosen once per client: if its workers cannot start (no worker_threads, a loader that
// does not run in a worker), it says why in `description` and opens everything on the calling thread, with
// the same checks. The same workers open the messages of a long V2 conversation's history (one signature
// check each), a page at a time, once they have started.
//
// The identity's private key bundle goes to these workers (they need the identity key and prekeys for the
// ECDHs), and a conversation's key material with each batch of its messages: only to worker threads of this
// same process, which keep them in memory and send them nowhere.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Keyring } from '@/protocol/keyring';
import {
  inThreadOpener,
  openMessageV2,
  type InviteEnvelope,
  type InviteOpener,
  type InviteOpenerFactory,
  type OpenedInviteRecord,
  type OpenedMessageV2,
} from '@/client/conversations/invite-opener';
import type { V2ConversationKeys } from '@/protocol/message-v2';
import { secp256k1WasmPath } from './secp256k1-wasm';
import {
  packInvites,
  packMessages,
  transferables,
  type InviteWorkerData,
  type InviteWorkerReply,
  type WorkerTask,
} from './invite-task';

const WORKER_SOURCE = new URL('./invite-worker.ts', import.meta.url);
/** Where esbuild is missing: a plain module that loads the TypeScript through tsx in the thread. */
const WORKER_ENTRY = new URL('./invite-worker.mjs', import.meta.url);
const TSCONFIG = new URL('../../../tsconfig.json', import.meta.url);

let bundled: Promise<string | undefined> | undefined;

/**
 * The worker's code as one CommonJS bundle, built once per process by esbuild (which tsx, a dependency, brings).
 * A thread evaluates it in tens of milliseconds, where tsx's require hook would transform every module again in
 * each thread (one to two seconds here, while the list waits for the workers). Undefined when it cannot build.
 */
function workerBundle(): Promise<string | undefined> {
  bundled ??= (async () => {
    try {
      const esbuild = await import('esbuild');
      const result = await esbuild.build({
        entryPoints: [fileURLToPath(WORKER_SOURCE)],
        tsconfig: fileURLToPath(TSCONFIG),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        write: false,
        logLevel: 'silent',
      });
      return result.outputFiles[0]?.text;
    } catch {
      return undefined;
    }
  })();
  return bundled;
}

let compiled: Promise<WebAssembly.Module | undefined> | undefined;

/** libsecp256k1 compiled once per process: each thread instantiates it instead of compiling 1.2 MB again. */
function compiledSecp256k1(): Promise<WebAssembly.Module | undefined> {
  compiled ??= readFile(secp256k1WasmPath())
    .then((bytes) => WebAssembly.compile(bytes))
    .catch(() => undefined);
  return compiled;
}

/** Invitations per message to a worker: enough to amortize a message, few enough to spread a page. */
const TASK_SIZE = 10;
/** V2 messages per message to a worker (each is one signature check and an AES-GCM, ~0.3 ms). */
const MESSAGES_TASK_SIZE = 25;
/** A batch this large starts the workers; smaller ones, while none run, open on the calling thread. */
const START_AT = 50;
/** Tasks a worker holds at once, so it never waits for the next one to arrive. */
const IN_FLIGHT = 2;

type Result = (OpenedInviteRecord | undefined)[];

/** A batch for a worker: invitations or one conversation's messages. */
interface Task {
  id: number;
  /** What the worker is sent (its buffers are transferred). */
  pack(): WorkerTask;
  /** The same work on this thread: before a worker is ready (invitations) or once the workers failed. */
  inThread(): Promise<unknown[]>;
  resolve(results: unknown[]): void;
  reject(error: unknown): void;
}

interface PoolWorker {
  worker: Worker;
  ready: boolean;
  /** The secp256k1 engine the thread loaded. */
  backend: string;
  inFlight: Map<number, Task>;
}

export interface InvitePoolOptions {
  /** Worker threads; default os.availableParallelism(). */
  size?: number;
}

/** The ClientOptions.inviteOpener for Node hosts: a pool of worker threads per client. */
export function nodeInvitePool(options: InvitePoolOptions = {}): InviteOpenerFactory {
  return ({ keyBundle, keyring }) =>
    new InvitePool(keyBundle, keyring, options.size ?? availableParallelism());
}

class InvitePool implements InviteOpener {
  readonly #keyBundle: Uint8Array;
  readonly #inThread: InviteOpener;
  readonly #size: number;
  #workers: PoolWorker[] = [];
  #queue: Task[] = [];
  #nextId = 0;
  #inWorkers = 0;
  #messagesInWorkers = 0;
  #starting = false;
  /** Set for good when the workers could not start: everything then runs in-thread. */
  #failure: string | undefined;
  /** Tasks running on this thread while no worker is ready yet. */
  #local = 0;
  #whenReady: Promise<void> | undefined;
  #settleReady: (() => void) | undefined;

  constructor(keyBundle: Uint8Array, keyring: Keyring, size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`invalid invite pool size: ${size}`);
    this.#keyBundle = keyBundle;
    this.#inThread = inThreadOpener(keyring);
    this.#size = size;
    // Not started here: most CLI commands open a handful of invitations, if any, and starting the threads
    // (esbuild and the WebAssembly in each) costs more CPU than that. The first large batch starts them.
  }

  get opened(): { inWorkers: number; inThread: number; messagesInWorkers: number } {
    return {
      inWorkers: this.#inWorkers,
      inThread: this.#inThread.opened.inThread,
      messagesInWorkers: this.#messagesInWorkers,
    };
  }

  ready(): Promise<void> {
    if (this.#workers.length === 0 && !this.#starting && !this.#failure) this.#start();
    this.#whenReady ??= new Promise<void>((resolve) => (this.#settleReady = resolve));
    this.#checkReady();
    return this.#whenReady;
  }

  #checkReady(): void {
    if (this.#failure || (this.#workers.length > 0 && this.#workers.every((w) => w.ready)))
      this.#settleReady?.();
  }

  get description(): string {
    if (this.#failure) return `in-thread (workers unavailable: ${this.#failure})`;
    const backends = [...new Set(this.#workers.map((w) => w.backend).filter(Boolean))];
    return `workers ×${this.#size}` + (backends.length ? ` (${backends.join(', ')})` : '');
  }

  async open(envelopes: InviteEnvelope[]): Promise<Result> {
    if (envelopes.length === 0) return [];
    if (this.#failure) return this.#inThread.open(envelopes);
    if (this.#workers.length === 0 && !this.#starting) {
      if (envelopes.length < START_AT) return this.#inThread.open(envelopes);
      this.#start();
    }
    const nowMs = Date.now();
    return this.#run(envelopes, TASK_SIZE, (id, part) => ({
      pack: () => packInvites(id, part, nowMs),
      inThread: () => this.#inThread.open(part),
    })) as Promise<Result>;
  }

  async openMessagesV2(
    keys: V2ConversationKeys,
    messages: Uint8Array[],
  ): Promise<OpenedMessageV2[] | undefined> {
    // Less than a task's worth gains nothing from the hop to a worker and back.
    if (this.#failure || messages.length < MESSAGES_TASK_SIZE) return undefined;
    // The first large page decodes on the caller's thread while the workers start.
    if (!this.#workers.some((w) => w.ready)) {
      if (this.#workers.length === 0 && !this.#starting && messages.length >= START_AT) this.#start();
      return undefined;
    }
    return this.#run(messages, MESSAGES_TASK_SIZE, (id, part) => ({
      pack: () => packMessages(id, keys, part),
      inThread: () => Promise.all(part.map((m) => openMessageV2(keys, m))),
    })) as Promise<OpenedMessageV2[]>;
  }

  /** Splits `items` into tasks of `size`, queues them, and gives every result in input order. */
  async #run<T>(
    items: T[],
    size: number,
    task: (id: number, part: T[]) => Pick<Task, 'pack' | 'inThread'>,
  ): Promise<unknown[]> {
    const parts: Promise<unknown[]>[] = [];
    for (let i = 0; i < items.length; i += size) {
      const id = this.#nextId++;
      const work = task(id, items.slice(i, i + size));
      parts.push(new Promise((resolve, reject) => this.#queue.push({ id, ...work, resolve, reject })));
    }
    this.#dispatch();
    return (await Promise.all(parts)).flat();
  }

  async close(): Promise<void> {
    const workers = this.#workers;
    this.#workers = [];
    await Promise.all(workers.map((w) => w.worker.terminate()));
    // Whatever was still waiting runs here rather than being lost.
    for (const w of workers) this.#queue.unshift(...w.inFlight.values());
    this.#drainInThread();
  }

  #start(): void {
    this.#starting = true;
    void Promise.all([workerBundle(), compiledSecp256k1()]).then(([code, wasmModule]) => {
      this.#starting = false;
      this.#spawn(code, wasmModule);
    });
  }

  #spawn(code: string | undefined, wasmModule: WebAssembly.Module | undefined): void {
    const workerData: InviteWorkerData = {
      keyBundle: this.#keyBundle,
      wasmPath: secp256k1WasmPath(),
      ...(wasmModule ? { wasmModule } : {}),
    };
    for (let i = 0; i < this.#size; i++) {
      let worker: Worker;
      try {
        worker = code
          ? new Worker(code, { eval: true, workerData })
          : new Worker(WORKER_ENTRY, { workerData });
      } catch (error) {
        this.#fail(error instanceof Error ? error.message : String(error));
        return;
      }
      const entry: PoolWorker = { worker, ready: false, backend: '', inFlight: new Map() };
      // Idle, the pool must not keep the process alive; a worker with tasks holds a ref (#dispatch).
      worker.unref();
      worker.on('message', (reply: InviteWorkerReply) => this.#onReply(entry, reply));
      worker.on('error', (error) => this.#fail(error.message));
      worker.on('exit', (code) => {
        if (this.#workers.includes(entry)) this.#fail(`worker exited with code ${code}`);
      });
      this.#workers.push(entry);
    }
  }

  #onReply(entry: PoolWorker, reply: InviteWorkerReply): void {
    if ('ready' in reply) {
      entry.ready = true;
      entry.backend = reply.ready.backend;
      this.#checkReady();
    } else if ('failed' in reply) {
      this.#fail(reply.failed);
      return;
    } else {
      const task = entry.inFlight.get(reply.id);
      entry.inFlight.delete(reply.id);
      if (entry.inFlight.size === 0) entry.worker.unref();
      if ('records' in reply) {
        this.#inWorkers += reply.records.length;
        task?.resolve(reply.records.map((r) => r ?? undefined));
      } else {
        this.#messagesInWorkers += reply.messages.length;
        task?.resolve(reply.messages);
      }
    }
    this.#dispatch();
  }

  /** Hands queued tasks to ready workers; while none is ready, opens them here, one task at a time. */
  #dispatch(): void {
    if (this.#failure) return this.#drainInThread();
    for (const entry of this.#workers) {
      while (entry.ready && entry.inFlight.size < IN_FLIGHT && this.#queue.length > 0) {
        const task = this.#queue.shift()!;
        entry.inFlight.set(task.id, task);
        entry.worker.ref();
        const packed = task.pack();
        entry.worker.postMessage(packed, transferables(packed));
      }
    }
    if (this.#queue.length > 0 && this.#local === 0 && !this.#workers.some((w) => w.ready)) {
      this.#runLocally(this.#queue.shift()!);
    }
  }

  #runLocally(task: Task): void {
    this.#local++;
    task
      .inThread()
      .then(task.resolve, task.reject)
      .finally(() => {
        this.#local--;
        this.#dispatch();
      });
  }

  #drainInThread(): void {
    const tasks = this.#queue;
    this.#queue = [];
    for (const task of tasks) task.inThread().then(task.resolve, task.reject);
  }

  /** Workers are given up for good: their tasks, and all later ones, run in-thread. */
  #fail(reason: string): void {
    if (this.#failure) return;
    this.#failure = reason;
    this.#settleReady?.();
    const workers = this.#workers;
    this.#workers = [];
    for (const w of workers) {
      this.#queue.unshift(...w.inFlight.values());
      void w.worker.terminate();
    }
    this.#drainInThread();
  }
}
