// An invitation worker thread (see invite-pool.ts): opens batches of invitations with this identity's keys and
// the same openInviteRecord as the in-thread path, every check included. Started with the encoded private key
// bundle in workerData: it reaches only threads of this process, and this thread never writes or sends it
// anywhere but back into its own memory.
// First: the generated protobuf code needs its Long class at definition time.
import './protobuf-long';
import { parentPort, workerData } from 'node:worker_threads';
import { decodePrivateKeyBundle } from '@/protocol/bundles';
import { Keyring } from '@/protocol/keyring';
import { openInviteRecord, type OpenedInviteRecord } from '@/client/conversations/invite-opener';
import { unpackTask, type InviteTask, type InviteWorkerData, type InviteWorkerReply } from './invite-task';
import { readFile } from 'node:fs/promises';
import { initSecp256k1 } from '@/protocol/secp256k1';

function start(): void {
  const port = parentPort;
  if (!port) throw new Error('invite-worker.ts runs only as a worker thread');
  const ready = (async () => {
    const data = workerData as InviteWorkerData;
    const status = await initSecp256k1(() => readFile(data.wasmPath));
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
