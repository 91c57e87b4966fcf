// Loads the file of an attachment message for the popup: inline bytes from the (sealed) message record, remote
// ones from the payload cache or the URL (https, or http to this machine), the digest checked before
// decrypting. Nothing is fetched from a page or the popup: only here, in the worker.
import { ExtensionError } from '@/extension/errors';
import { CONTENT_TYPES, type MessageRecord } from '@/extension/cache/records';
import { toBase64 } from '@/protocol/bytes';
import {
  createCodecRegistry,
  decryptRemoteAttachment,
  fetchRemotePayload,
  type Attachment,
} from '@/protocol/content';
import {
  isInlineAttachmentJson,
  isRemoteAttachmentJson,
  remoteFromJson,
  type LoadedAttachment,
} from './attachment-content';
import type { PayloadCache } from './payload-cache';

export interface AttachmentLoader {
  load(message: MessageRecord): Promise<LoadedAttachment>;
  /**
   * Downloads and checks a remote file into the payload cache ahead of the popup asking (an image from an
   * allowed peer, as it arrives), so the thumbnail does not wait for the network. Never throws.
   */
  prefetch(message: MessageRecord): void;
  /** Forgets the files opened ahead (lock: they are decrypted). */
  clear(): void;
}

/** Files opened ahead by prefetch, kept decrypted for the popup's first look (a few, while unlocked). */
const OPENED_AHEAD = 4;

/** Remote images up to this size are fetched as they arrive. */
const PREFETCH_MAX_BYTES = 8 * 1024 * 1024;
const IMAGE_NAME = /\.(png|jpe?g|gif|webp)$/i;

export function createAttachmentLoader(deps: {
  payloads: PayloadCache;
  fetch: typeof fetch;
}): AttachmentLoader {
  const codecs = createCodecRegistry();
  // One download per digest at a time: a prefetch and the popup's load share it.
  const downloads = new Map<string, Promise<Uint8Array>>();
  const writes = new Map<string, Promise<void>>();
  async function payloadOf(
    remote: ReturnType<typeof remoteFromJson>,
  ): Promise<{ payload: Uint8Array; fresh: boolean }> {
    const digest = remote.contentDigest.toLowerCase();
    await writes.get(digest); // a payload being written is read back, not downloaded again
    const cached = await deps.payloads.get(digest);
    if (cached) return { payload: cached, fresh: false };
    let download = downloads.get(digest);
    if (!download) {
      download = fetchRemotePayload(remote, { fetchFn: deps.fetch }).finally(() => downloads.delete(digest));
      downloads.set(digest, download);
    }
    return { payload: await download, fresh: true };
  }
  async function open(message: MessageRecord): Promise<LoadedAttachment> {
    const { contentType, content } = message;
    if (contentType === CONTENT_TYPES.attachment && isInlineAttachmentJson(content)) {
      return { filename: content.filename, mimeType: content.mimeType, data: content.data.base64 };
    }
    if (contentType !== CONTENT_TYPES.remoteAttachment || !isRemoteAttachmentJson(content)) {
      throw new ExtensionError('not_an_attachment', `message ${message.id} carries no file`);
    }
    const remote = remoteFromJson(content);
    const { payload, fresh } = await payloadOf(remote);
    const inner = (await decryptRemoteAttachment(remote, payload, codecs)) as Partial<Attachment>;
    if (typeof inner?.mimeType !== 'string' || !(inner.data instanceof Uint8Array)) {
      throw new ExtensionError('invalid_remote_attachment', `the file at ${remote.url} is not an attachment`);
    }
    // Only a payload that passed the digest and decrypted is kept; the popup need not wait for the write.
    if (fresh) {
      const digest = remote.contentDigest.toLowerCase();
      const write = deps.payloads
        .put(digest, payload)
        .catch(() => undefined)
        .finally(() => writes.delete(digest));
      writes.set(digest, write);
    }
    return { filename: remote.filename, mimeType: inner.mimeType, data: toBase64(inner.data) };
  }
  const ahead = new Map<string, Promise<LoadedAttachment>>();
  return {
    load(message) {
      const early = ahead.get(message.id);
      if (!early) return open(message);
      ahead.delete(message.id);
      return early.catch(() => open(message)); // an early failure (a network blip): once more, now
    },
    prefetch(message) {
      const { contentType, content } = message;
      if (contentType !== CONTENT_TYPES.remoteAttachment || !isRemoteAttachmentJson(content)) return;
      if (!IMAGE_NAME.test(content.filename) || content.contentLength > PREFETCH_MAX_BYTES) return;
      const opening = open(message);
      opening.catch(() => undefined); // the popup's own load shows the error
      ahead.set(message.id, opening);
      while (ahead.size > OPENED_AHEAD) ahead.delete(ahead.keys().next().value!);
    },
    clear: () => ahead.clear(),
  };
}
