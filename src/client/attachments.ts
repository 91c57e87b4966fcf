// Sending and loading files (docs/client-api.md §8): small ones go inline (xmtp.org/attachment:1.0); larger
// ones are encrypted, uploaded to a node's attachment store (docs/node-api.md §6) and sent as
// xmtp.org/remoteStaticAttachment:1.0, the way xmtp-js's RemoteAttachmentCodec makes and reads them.
import { uploadPayload, type AttachmentDeps, type UploadProgress } from '@/client/attachment-upload';
import { ClientError } from '@/client/errors';
import {
  ContentTypeAttachment,
  ContentTypeRemoteAttachment,
  decryptRemoteAttachment,
  encryptAttachment,
  fetchRemotePayload,
  remoteAttachmentFor,
  type Attachment,
  type CodecLookup,
  type ContentTypeId,
  type RemoteAttachment,
} from '@/protocol/content';

/**
 * The largest file sent inline. A message may be 1,048,214 bytes (docs/protocol.md §13.1); the file rides inside
 * the encrypted, signed content with a few hundred bytes of headers and keys, so 960 KiB leaves room.
 */
export const INLINE_ATTACHMENT_MAX_BYTES = 960 * 1024;

/** What a file becomes on the wire: the content and its type, ready for `conversation.send`. */
export interface PreparedAttachment {
  content: Attachment | RemoteAttachment;
  contentType: ContentTypeId;
}

/** Stages of a remote send, for progress on screen. */
export type AttachmentStage = 'encrypting' | 'uploading' | 'sending';

export { uploadPayload, type AttachmentDeps, type UploadProgress } from '@/client/attachment-upload';

/** What a remote send tells on the way: each stage, and while uploading, the bytes the store has. */
export interface AttachmentProgress {
  onStage?: (stage: AttachmentStage) => void;
  onProgress?: UploadProgress;
}

/** The content for a file: inline when it fits (or `inline` says so), else encrypted and uploaded. */
export async function prepareAttachment(
  attachment: Attachment,
  deps: AttachmentDeps,
  { onStage, onProgress }: AttachmentProgress = {},
): Promise<PreparedAttachment> {
  if (attachment.data.length <= INLINE_ATTACHMENT_MAX_BYTES) {
    return { content: attachment, contentType: ContentTypeAttachment };
  }
  onStage?.('encrypting');
  const encrypted = await encryptAttachment(attachment);
  onStage?.('uploading');
  const url = await uploadPayload(encrypted, deps, onProgress ? { onProgress } : {});
  onStage?.('sending');
  const remote = remoteAttachmentFor(encrypted, url, {
    filename: attachment.filename,
    size: attachment.data.length,
  });
  return { content: remote, contentType: ContentTypeRemoteAttachment };
}

/** Downloads, checks and decrypts a remote attachment; the content inside must be an attachment. */
export async function loadAttachment(
  remote: RemoteAttachment,
  codecs: CodecLookup,
  fetchFn: typeof fetch,
): Promise<Attachment> {
  const content = await decryptRemoteAttachment(
    remote,
    await fetchRemotePayload(remote, { fetchFn }),
    codecs,
  );
  if (!isAttachment(content)) {
    throw new ClientError('invalid_remote_attachment', `the payload at ${remote.url} is not an attachment`);
  }
  return content;
}

export function isAttachment(value: unknown): value is Attachment {
  const a = value as Partial<Attachment> | null;
  return (
    !!a &&
    typeof a === 'object' &&
    typeof a.filename === 'string' &&
    typeof a.mimeType === 'string' &&
    a.data instanceof Uint8Array
  );
}
