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
}

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
  async function payloadOf(
    remote: ReturnType<typeof remoteFromJson>,
  ): Promise<{ payload: Uint8Array; fresh: boolean }> {
    const digest = remote.contentDigest.toLowerCase();
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
    // Only a payload that passed the digest and decrypted is kept.
    if (fresh) await deps.payloads.put(remote.contentDigest.toLowerCase(), payload);
    return { filename: remote.filename, mimeType: inner.mimeType, data: toBase64(inner.data) };
  }
  return {
    load: open,
    prefetch(message) {
      const { contentType, content } = message;
      if (contentType !== CONTENT_TYPES.remoteAttachment || !isRemoteAttachmentJson(content)) return;
      if (!IMAGE_NAME.test(content.filename) || content.contentLength > PREFETCH_MAX_BYTES) return;
      open(message).catch(() => undefined); // the popup's own load shows the error
    },
  };
}
