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
}

export function createAttachmentLoader(deps: {
  payloads: PayloadCache;
  fetch: typeof fetch;
}): AttachmentLoader {
  const codecs = createCodecRegistry();
  return {
    async load(message) {
      const { contentType, content } = message;
      if (contentType === CONTENT_TYPES.attachment && isInlineAttachmentJson(content)) {
        return { filename: content.filename, mimeType: content.mimeType, data: content.data.base64 };
      }
      if (contentType !== CONTENT_TYPES.remoteAttachment || !isRemoteAttachmentJson(content)) {
        throw new ExtensionError('not_an_attachment', `message ${message.id} carries no file`);
      }
      const remote = remoteFromJson(content);
      const digest = remote.contentDigest.toLowerCase();
      const cached = await deps.payloads.get(digest);
      const payload = cached ?? (await fetchRemotePayload(remote, { fetchFn: deps.fetch }));
      const inner = (await decryptRemoteAttachment(remote, payload, codecs)) as Partial<Attachment>;
      if (typeof inner?.mimeType !== 'string' || !(inner.data instanceof Uint8Array)) {
        throw new ExtensionError(
          'invalid_remote_attachment',
          `the file at ${remote.url} is not an attachment`,
        );
      }
      // Only a payload that passed the digest and decrypted is kept.
      if (!cached) await deps.payloads.put(digest, payload);
      return { filename: remote.filename, mimeType: inner.mimeType, data: toBase64(inner.data) };
    },
  };
}
