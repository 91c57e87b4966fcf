// What the invitation pool (invite-pool.ts) and its worker threads (invite-worker.ts) send each other.
import type { InviteEnvelope, OpenedInviteRecord } from '@/client/conversations/invite-opener';

export interface InviteWorkerData {
  keyBundle: Uint8Array;
  /** node_modules/tiny-secp256k1/lib/secp256k1.wasm, found by the pool (a bundled thread cannot resolve it). */
  wasmPath: string;
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

export function unpackTask(task: InviteTask): InviteEnvelope[] {
  return Array.from(task.ends, (end, k) => ({
    message: task.blob.subarray(k === 0 ? 0 : task.ends[k - 1]!, end),
    timestampNs: task.timestampsNs[k]!,
  }));
}

export type InviteWorkerReply =
  | { ready: { backend: string } }
  | { failed: string }
  | { id: number; records: (OpenedInviteRecord | null)[] };
