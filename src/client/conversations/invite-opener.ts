// Opening invitations (docs/protocol.md §8.3) in batches: the CPU-heavy step of a cold list (per invitation:
// the peer's prekey signature, the wallet signature of its identity key, three ECDHs, HKDF and AES-GCM).
// The opener is injectable so a host can spread the batches over its cores (src/client/node/invite-pool.ts);
// the in-thread opener below is the path wherever no worker can run. Either way each invitation goes through
// the same openInviteRecord, with every check. A pool may also open V2 messages (a long conversation's history
// is bound by one signature check per message), with the same openPayloadV2 as a conversation on its own thread.
import { isValidConsentProof } from '@/protocol/consent-proof';
import { errorData, type ErrorData } from '@/protocol/errors';
import { openInvitation } from '@/protocol/invitation';
import type { Keyring } from '@/protocol/keyring';
import type { V2ConversationKeys } from '@/protocol/message-v2';
import { isValidTopic } from '@/protocol/topics';
import type { V2ConversationRecord } from './conversation-store';
import { openPayloadV2, type OpenedPayload } from './decoded-message';

/** Invitations opened on the calling thread between two turns of its event loop (each a few ms of work). */
const OPENS_PER_TURN = 4;

/**
 * A macrotask turn: a message to ourselves where the host has MessageChannel (not clamped to 4 ms when nested,
 * as timers are in browsers), else a timer.
 */
function hostTurn(): Promise<void> {
  if (typeof MessageChannel !== 'function') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

/** What an opener needs of an envelope on our invite topic. */
export interface InviteEnvelope {
  message: Uint8Array;
  timestampNs: bigint;
}

/** An opened invitation as a conversation record, and whether it carries our wallet's consent proof. */
export type OpenedInviteRecord = V2ConversationRecord & { grantsConsent: boolean };

export interface InviteOpener {
  /** Where the work runs, for status and benchmarks: 'in-thread' or 'workers ×N'. */
  readonly description: string;
  /**
   * Opens each invitation; results in input order, undefined for one that fails any check (malformed,
   * a bad signature, no prekey of ours, a tag mismatch, a timestamp mismatch, an invalid topic).
   */
  open(envelopes: InviteEnvelope[]): Promise<(OpenedInviteRecord | undefined)[]>;
  /**
   * Opens V2 messages of one conversation off this thread, results in input order; undefined when it cannot
   * now (no worker ready yet: a large batch starts them), and the caller decodes them itself. Absent where
   * there are no workers.
   */
  openMessagesV2?(keys: V2ConversationKeys, messages: Uint8Array[]): Promise<OpenedMessageV2[] | undefined>;
  /** Invitations opened so far, by where they were opened, and V2 messages opened in workers. */
  readonly opened: { inWorkers: number; inThread: number; messagesInWorkers: number };
  /** Resolves once the opener can work at full speed (its workers started, or given up on). */
  ready(): Promise<void>;
  /** Frees what the opener holds (worker threads); later opens may restart it. */
  close(): Promise<void>;
}

/** A V2 message as decodeMessageV2 opened it (sender, creation time, EncodedContent bytes), or why it could not. */
export type OpenedMessageV2 = OpenedPayload | { error: ErrorData };

/** One V2 message, every check included; a failure is returned, not thrown. */
export async function openMessageV2(keys: V2ConversationKeys, message: Uint8Array): Promise<OpenedMessageV2> {
  try {
    return await openPayloadV2(keys, message);
  } catch (error) {
    return { error: errorData(error) };
  }
}

/** Makes the opener of one identity from its encoded PrivateKeyBundle (ClientOptions.inviteOpener). */
export type InviteOpenerFactory = (keys: { keyBundle: Uint8Array; keyring: Keyring }) => InviteOpener;

/** One invitation as a conversation record, or undefined when it is unreadable, forged or malformed. */
export async function openInviteRecord(
  keyring: Keyring,
  envelope: InviteEnvelope,
  nowMs: number,
): Promise<OpenedInviteRecord | undefined> {
  try {
    const opened = await openInvitation(keyring, envelope.message, {
      envelopeTimestampNs: envelope.timestampNs,
    });
    const { invitation } = opened;
    if (!isValidTopic(invitation.topic)) return undefined;
    const record: OpenedInviteRecord = {
      topic: invitation.topic,
      peerAddress: opened.peerAddress,
      createdNs: opened.createdNs,
      keyMaterial: invitation.keyMaterial,
      grantsConsent:
        !opened.weAreSender &&
        invitation.consentProof !== undefined &&
        isValidConsentProof(invitation.consentProof, keyring.address, opened.peerAddress, nowMs),
    };
    if (invitation.context) record.context = invitation.context;
    return record;
  } catch {
    // A broken or foreign invitation: skipped, the others still count (docs/design.md §5.3).
    return undefined;
  }
}

/**
 * Opens on the calling thread, one invitation after another, one batch after another in the order asked: a cold
 * list asks for each page as soon as it is fetched, and pages opened side by side (each invitation's awaits
 * letting the others run) would finish together, the newest only with the last. A macrotask turn every few
 * invitations: their awaits are microtasks only, and without one the host (a service worker's storage and
 * messages, the list's consumer storing the newest page) would wait until every batch was open.
 */
export function inThreadOpener(keyring: Keyring): InviteOpener {
  const opened = { inWorkers: 0, inThread: 0, messagesInWorkers: 0 };
  let previous: Promise<unknown> = Promise.resolve();
  return {
    description: 'in-thread',
    opened,
    ready: async () => undefined,
    open(envelopes) {
      const batch = previous.then(async () => {
        opened.inThread += envelopes.length;
        const nowMs = Date.now();
        const out: (OpenedInviteRecord | undefined)[] = [];
        for (const [i, e] of envelopes.entries()) {
          if (i % OPENS_PER_TURN === 0) await hostTurn();
          out.push(await openInviteRecord(keyring, e, nowMs));
        }
        return out;
      });
      previous = batch.catch(() => undefined);
      return batch;
    },
    close: async () => undefined,
  };
}
