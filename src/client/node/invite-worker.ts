// An invitation worker thread (see invite-pool.ts): opens batches of invitations with this identity's keys, and
// batches of a V2 conversation's messages with that conversation's keys, through the same openInviteRecord and
// openMessageV2 as the in-thread path, every check included. Started with the encoded private key bundle in
// workerData, and given a conversation's key material with each batch of its messages: they reach only threads
// of this process, and this thread never writes or sends them anywhere but back into its own memory.
// First: the generated protobuf code needs its Long class at definition time.
import './protobuf-long';
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { decodePrivateKeyBundle } from '@/protocol/bundles';
import { Keyring } from '@/protocol/keyring';
import { initSecp256k1 } from '@/protocol/secp256k1';
import {
  openInviteRecord,
  openMessageV2,
  type OpenedInviteRecord,
  type OpenedMessageV2,
} from '@/client/conversations/invite-opener';
import {
  unpackInvites,
  unpackMessages,
  type InviteWorkerData,
  type InviteWorkerReply,
  type WorkerTask,
} from './invite-task';

async function answer(task: WorkerTask, keyring: Keyring): Promise<InviteWorkerReply> {
  if (task.kind === 'invites') {
    const records: (OpenedInviteRecord | null)[] = [];
    for (const envelope of unpackInvites(task))
      records.push((await openInviteRecord(keyring, envelope, task.nowMs)) ?? null);
    return { id: task.id, records };
  }
  const keys = { topic: task.topic, keyMaterial: task.keyMaterial };
  const messages: OpenedMessageV2[] = [];
  for (const message of unpackMessages(task)) {
    const opened = await openMessageV2(keys, message);
    // The payload is a view into its decrypted plaintext: its own copy is all that needs to be cloned back.
    messages.push('payload' in opened ? { ...opened, payload: opened.payload.slice() } : opened);
  }
  return { id: task.id, messages };
}

function start(): void {
  const port = parentPort;
  if (!port) throw new Error('invite-worker.ts runs only as a worker thread');
  const ready = (async () => {
    const data = workerData as InviteWorkerData;
    const status = await initSecp256k1(() => data.wasmModule ?? readFile(data.wasmPath));
    const keyring = Keyring.fromBundle(decodePrivateKeyBundle(data.keyBundle).bundle);
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
  port.on('message', (task: WorkerTask) => {
    previous = previous.then(async () => port.postMessage(await answer(task, await ready)));
    previous.catch(() => undefined);
  });
}

start();
