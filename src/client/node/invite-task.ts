// What the invitation pool (invite-pool.ts) and its worker threads (invite-worker.ts) send each other: batches
// of invitations to open with the identity's keys, and batches of one V2 conversation's messages.
import type {
  InviteEnvelope,
  OpenedInviteRecord,
  OpenedMessageV2,
} from '@/client/conversations/invite-opener';

export interface InviteWorkerData {
  keyBundle: Uint8Array;
  /** node_modules/tiny-secp256k1/lib/secp256k1.wasm, found by the pool (a bundled thread cannot resolve it). */
  wasmPath: string;
  /** The same, compiled once by the pool (a thread then only instantiates it); absent if that failed. */
  wasmModule?: WebAssembly.Module;
}

/**
 * Messages packed end to end in `blob` (message k ends at `ends[k]`). Structured-cloning a Uint8Array copies its
 * whole backing ArrayBuffer (a page's worth for a message decoded out of a response); one packed blob is
 * transferred instead.
 */
interface Packed {
  blob: Uint8Array<ArrayBuffer>;
  ends: Uint32Array<ArrayBuffer>;
}

/** One batch of invitations, packed, with their envelope timestamps. */
export interface InviteTask extends Packed {
  kind: 'invites';
  id: number;
  timestampsNs: BigInt64Array<ArrayBuffer>;
  nowMs: number;
}

/** One batch of a V2 conversation's messages, packed, with the conversation's topic and key material. */
export interface MessagesTask extends Packed {
  kind: 'messages';
  id: number;
  topic: string;
  keyMaterial: Uint8Array<ArrayBuffer>;
}

export type WorkerTask = InviteTask | MessagesTask;

function pack(messages: Uint8Array[]): Packed {
  const ends = new Uint32Array(messages.length);
  let total = 0;
  messages.forEach((m, k) => {
    total += m.length;
    ends[k] = total;
  });
  const blob = new Uint8Array(total);
  messages.forEach((m, k) => blob.set(m, k === 0 ? 0 : ends[k - 1]!));
  return { blob, ends };
}

function unpack({ blob, ends }: Packed): Uint8Array[] {
  return Array.from(ends, (end, k) => blob.subarray(k === 0 ? 0 : ends[k - 1]!, end));
}

/** The buffers a task's sender hands over (it keeps no reference to them). */
export const transferables = (task: WorkerTask): ArrayBuffer[] => [
  task.blob.buffer,
  task.ends.buffer,
  ...(task.kind === 'invites' ? [task.timestampsNs.buffer] : [task.keyMaterial.buffer]),
];

/** The batch as the pool hands it over: a fresh blob whose buffers can be transferred. */
export function packInvites(id: number, envelopes: InviteEnvelope[], nowMs: number): InviteTask {
  const timestampsNs = BigInt64Array.from(envelopes, (e) => e.timestampNs);
  return { kind: 'invites', id, ...pack(envelopes.map((e) => e.message)), timestampsNs, nowMs };
}

export function unpackInvites(task: InviteTask): InviteEnvelope[] {
  return unpack(task).map((message, k) => ({ message, timestampNs: task.timestampsNs[k]! }));
}

export function packMessages(
  id: number,
  keys: { topic: string; keyMaterial: Uint8Array },
  messages: Uint8Array[],
): MessagesTask {
  return {
    kind: 'messages',
    id,
    topic: keys.topic,
    keyMaterial: keys.keyMaterial.slice(),
    ...pack(messages),
  };
}

export const unpackMessages = unpack;

export type InviteWorkerReply =
  | { ready: { backend: string } }
  | { failed: string }
  | { id: number; records: (OpenedInviteRecord | null)[] }
  | { id: number; messages: OpenedMessageV2[] };
