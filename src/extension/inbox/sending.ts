// Sending from this install: a message is cached as pending at once (the thread shows it), then delivered
// through the session; the sent record (the network's id) or a failed one with its reason replaces it. Retry
// sends a failed one again. Read receipts go out the same way, best effort.
import type { InboxCache } from '@/extension/cache/cache';
import type { MessageRecord } from '@/extension/cache/records';
import type { ClientSession, OutgoingContent } from '@/extension/client-adapter';
import { ExtensionError, toErrorData } from '@/extension/errors';
import type { InboxUpdate } from '@/extension/inbox/contract';
import type { KeyValueArea } from '@/extension/storage-area';
import { INTERNAL } from '@/protocol/errors';
import { draftChange } from './conversation-state';
import { requireConversation } from './conversations';
import { contentRecord, outgoingOf } from './outgoing';
import { readSettings } from './settings';

export interface SendingDeps {
  cache: InboxCache;
  local: KeyValueArea;
  now: () => number;
  emit(update: InboxUpdate): void;
  ensureSession(): Promise<ClientSession>;
  /** The account's address; throws while locked or before onboarding. */
  requireAccount(): Promise<{ address: string }>;
  /** A send cleared the conversation's draft (the sync with other installs publishes it). */
  onDraftCleared(topic: string): void;
}

export interface Sending {
  send(topic: string, content: OutgoingContent): Promise<MessageRecord>;
  retry(messageId: string): Promise<MessageRecord>;
  /** Resolves once the sends in flight on `topic` are stored (SessionDeps.sendsSettled). */
  settled(topic: string): Promise<void>;
  sendReceipt(topic: string): Promise<void>;
}

/** A send failure as the message record keeps it: `code: message` when the error has a code. */
function storedError(error: unknown): string {
  const { code, message } = toErrorData(error);
  return code === INTERNAL ? message : `${code}: ${message}`;
}

export function createSending(deps: SendingDeps): Sending {
  const { cache, now, emit } = deps;
  const inFlight = new Map<string, Set<Promise<unknown>>>();

  function deliver(pending: MessageRecord): Promise<MessageRecord> {
    const work = deliverOnce(pending);
    let sends = inFlight.get(pending.topic);
    if (!sends) inFlight.set(pending.topic, (sends = new Set()));
    sends.add(work);
    const done = () => {
      sends.delete(work);
      if (sends.size === 0) inFlight.delete(pending.topic);
    };
    work.then(done, done);
    return work;
  }

  async function deliverOnce(pending: MessageRecord): Promise<MessageRecord> {
    try {
      const client = await deps.ensureSession();
      const { uploadUrl } = await readSettings(deps.local);
      // A file's stages show on its pending record; the stages of one send come one after another.
      let stages = Promise.resolve();
      const onStage = (progress: NonNullable<MessageRecord['progress']>) => {
        stages = stages
          .then(() => cache.replaceMessage(pending.id, { ...pending, progress }))
          .then(() => emit({ kind: 'messages', topic: pending.topic }))
          .catch(() => undefined);
      };
      // Byte progress goes straight to the popup, not into the cache: one update per part of the upload.
      const onProgress = (sentBytes: number, totalBytes: number) =>
        emit({ kind: 'upload', topic: pending.topic, messageId: pending.id, sentBytes, totalBytes });
      const sent = await client
        .send(pending.topic, outgoingOf(pending), {
          ...(uploadUrl ? { uploadUrl } : {}),
          onStage,
          onProgress,
        })
        .finally(() => stages);
      const record: MessageRecord = { ...sent, status: 'sent' };
      await cache.replaceMessage(pending.id, record);
      return record;
    } catch (error) {
      const failed: MessageRecord = {
        ...pending,
        status: 'failed',
        // `code: message`, so the popup can say in words why (src/ui/error-text.ts explainStoredError).
        error: storedError(error),
      };
      await cache.replaceMessage(pending.id, failed);
      return failed;
    } finally {
      emit({ kind: 'messages', topic: pending.topic });
      emit({ kind: 'conversations', topics: [pending.topic] });
    }
  }

  return {
    async send(topic, content) {
      const { address } = await deps.requireAccount();
      await requireConversation(cache, topic);
      const pending: MessageRecord = {
        id: `local-${crypto.randomUUID()}`,
        topic,
        senderAddress: address,
        sentAt: now(),
        ...contentRecord(content),
        status: 'pending',
      };
      await cache.addMessages([pending], address);
      // Sent: the draft it came from is gone (stamped now, so a save still in flight cannot bring it back).
      await cache.updateConversation(topic, draftChange('', now()));
      deps.onDraftCleared(topic);
      emit({ kind: 'messages', topic });
      emit({ kind: 'conversations', topics: [topic] });
      return deliver(pending);
    },

    async retry(messageId) {
      await deps.requireAccount();
      const message = await cache.getMessage(messageId);
      if (!message || message.status !== 'failed') {
        throw new ExtensionError('not_retryable', `no failed message with id ${messageId}`);
      }
      const { error: _, progress: __, ...rest } = message;
      const pending: MessageRecord = { ...rest, status: 'pending', sentAt: now() };
      await cache.replaceMessage(message.id, pending);
      emit({ kind: 'messages', topic: message.topic });
      return deliver(pending);
    },

    settled: async (topic) => void (await Promise.allSettled(inFlight.get(topic) ?? [])),

    /** Best effort: a receipt that fails is not worth an error on screen; the next opening sends another. */
    async sendReceipt(topic) {
      try {
        const client = await deps.ensureSession();
        const receipt = await client.sendReadReceipt(topic);
        await cache.addMessages([{ ...receipt, status: 'sent' }], client.address);
      } catch (error) {
        console.warn(`could not send a read receipt on ${topic}:`, error);
      }
    },
  };
}
