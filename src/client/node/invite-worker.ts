// An invitation worker thread (see invite-pool.ts): opens batches of invitations with this identity's keys and
// the same openInviteRecord as the in-thread path, every check included. Started with the encoded private key
// bundle in workerData: it reaches only threads of this process, and this thread never writes or sends it
// anywhere but back into its own memory.
import { parentPort, workerData } from 'node:worker_threads';
import { decodePrivateKeyBundle } from '@/protocol/bundles';
import { Keyring } from '@/protocol/keyring';
import {
  openInviteRecord,
  type InviteEnvelope,
  type OpenedInviteRecord,
} from '@/client/conversations/invite-opener';
import { initNodeSecp256k1 } from './secp256k1-wasm';

export interface InviteWorkerData {
  keyBundle: Uint8Array;
}

/**
 * One batch of invitations, packed: the messages end to end in `blob` (message k ends at `ends[k]`) and their
 * envelope timestamps. Structured-cloning a Uint8Array copies its whole backing ArrayBuffer (a page's worth for
 * a message decoded out of a response); one packed blob is transferred instead.
 */
export interface InviteTask {
  id: number;
  blob: Uint8Array<ArrayBuffer>;
  ends: Uint32Array<ArrayBuffer>;
  timestampsNs: BigInt64Array<ArrayBuffer>;
  nowMs: number;
}

/** The batch as the pool hands it over: a fresh blob whose buffers can be transferred. */
export function packTask(id: number, envelopes: InviteEnvelope[], nowMs: number): InviteTask {
  const ends = new Uint32Array(envelopes.length);
  const timestampsNs = new BigInt64Array(envelopes.length);
  let total = 0;
  envelopes.forEach((e, k) => {
    total += e.message.length;
    ends[k] = total;
    timestampsNs[k] = e.timestampNs;
  });
  const blob = new Uint8Array(total);
  envelopes.forEach((e, k) => blob.set(e.message, k === 0 ? 0 : ends[k - 1]!));
  return { id, blob, ends, timestampsNs, nowMs };
}

function unpackTask(task: InviteTask): InviteEnvelope[] {
  return Array.from(task.ends, (end, k) => ({
    message: task.blob.subarray(k === 0 ? 0 : task.ends[k - 1]!, end),
    timestampNs: task.timestampsNs[k]!,
  }));
}

export type InviteWorkerReply =
  | { ready: { backend: string } }
  | { failed: string }
  | { id: number; records: (OpenedInviteRecord | null)[] };

function start(): void {
  const port = parentPort;
  if (!port) throw new Error('invite-worker.ts runs only as a worker thread');
  const ready = (async () => {
    const status = await initNodeSecp256k1();
    const keyring = Keyring.fromBundle(
      decodePrivateKeyBundle((workerData as InviteWorkerData).keyBundle).bundle,
    );
    port.postMessage({ ready: { backend: status.backend } } satisfies InviteWorkerReply);
    return keyring;
  })();
  ready.catch((error: unknown) =>
    port.postMessage({
      failed: error instanceof Error ? error.message : String(error),
    } satisfies InviteWorkerReply),
  );
  // Tasks are answered in the order they came: each waits for the one before it.
  let previous: Promise<unknown> = ready;
  port.on('message', (task: InviteTask) => {
    previous = previous.then(async () => {
      const keyring = await ready;
      const records: (OpenedInviteRecord | null)[] = [];
      for (const envelope of unpackTask(task))
        records.push((await openInviteRecord(keyring, envelope, task.nowMs)) ?? null);
      port.postMessage({ id: task.id, records } satisfies InviteWorkerReply);
    });
    previous.catch(() => undefined);
  });
}

start();
