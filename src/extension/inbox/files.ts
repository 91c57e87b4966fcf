// Files for the inbox service: the popup's attachments.load (inline bytes from the sealed record, remote ones
// fetched, checked and decrypted by the loader), and images from allowed peers opened as they arrive.
import { createAttachmentLoader } from '@/extension/attachments/attachment-loader';
import type { PayloadCache } from '@/extension/attachments/payload-cache';
import type { InboxCache } from '@/extension/cache/cache';
import type { MessageRecord } from '@/extension/cache/records';
import { ExtensionError } from '@/extension/errors';
import type { InboxService } from '@/extension/inbox/contract';

export interface InboxFiles extends Pick<InboxService, 'loadAttachment'> {
  /** A message from a peer arrived: an image of an allowed peer starts downloading (a stranger's waits). */
  onIncoming(message: MessageRecord): void;
  /** Drops what was opened ahead (lock). */
  clear(): void;
  /** Drops the downloaded payloads too (sign out). */
  wipe(): Promise<void>;
}

/** No payload cache given: every view downloads again. */
const NO_PAYLOADS: PayloadCache = {
  get: async () => undefined,
  put: async () => undefined,
  clear: async () => undefined,
};

export function createInboxFiles(deps: {
  cache: InboxCache;
  payloads?: PayloadCache;
  fetch: typeof fetch;
  requireAccount(): Promise<unknown>;
}): InboxFiles {
  const { cache } = deps;
  const payloads = deps.payloads ?? NO_PAYLOADS;
  const loader = createAttachmentLoader({ payloads, fetch: deps.fetch });
  return {
    async loadAttachment(messageId, { topic } = {}) {
      await deps.requireAccount();
      const message = await cache.getMessage(messageId);
      if (!message || (topic !== undefined && message.topic !== topic))
        throw new ExtensionError('unknown_message', `no message with id ${messageId}`);
      return loader.load(message);
    },
    onIncoming(message) {
      void cache
        .getConversation(message.topic)
        .then((conversation) => {
          if (conversation?.consent === 'allowed') loader.prefetch(message);
        })
        .catch(() => undefined);
    },
    clear: () => loader.clear(),
    wipe: () => payloads.clear(),
  };
}
