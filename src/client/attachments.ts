// Sending and loading files (docs/client-api.md §8): small ones go inline (xmtp.org/attachment:1.0); larger
// ones are encrypted, uploaded to a node's attachment store (docs/node-api.md §6) and sent as
// xmtp.org/remoteStaticAttachment:1.0, the way xmtp-js's RemoteAttachmentCodec makes and reads them.
import { apiErrorFromResponse, ApiError } from '@/client/api/api-error';
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
  type EncryptedAttachment,
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

export interface AttachmentDeps {
  /** Base URL of the node whose attachment store takes uploads (normally the first node). */
  uploadUrl: string;
  getToken(options: { refresh: boolean }): Promise<string>;
  fetch: typeof fetch;
}

interface UploadSlot {
  url: string;
  exists: boolean;
  uploadUrl?: string;
  headers?: Record<string, string>;
}

/** Asks the node where to put the payload (authenticated), then PUTs it there; returns the download URL. */
export async function uploadPayload(encrypted: EncryptedAttachment, deps: AttachmentDeps): Promise<string> {
  const base = deps.uploadUrl.replace(/\/+$/, '');
  const slotUrl = `${base}/attachments/v1/uploads`;
  const ask = async (refresh: boolean) =>
    call(deps.fetch, slotUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${await deps.getToken({ refresh })}`,
      },
      body: JSON.stringify({
        contentDigest: encrypted.contentDigest,
        contentLength: encrypted.payload.length,
      }),
    });
  // An expired token is renewed once, like publish does.
  let response = await ask(false);
  if (response.status === 401) response = await ask(true);
  const slot = (await answer(response, slotUrl)) as UploadSlot;
  if (typeof slot?.url !== 'string') {
    throw new ApiError('bad_response', `${slotUrl} answered without a url`, { url: slotUrl });
  }
  if (slot.exists) return slot.url;
  if (typeof slot.uploadUrl !== 'string') {
    throw new ApiError('bad_response', `${slotUrl} answered without an upload url`, { url: slotUrl });
  }
  const put = await call(deps.fetch, slot.uploadUrl, {
    method: 'PUT',
    headers: withoutLength(slot.headers ?? {}),
    body: encrypted.payload as Uint8Array<ArrayBuffer>,
  });
  await answer(put, slot.uploadUrl.split('?')[0]!);
  return slot.url;
}

/** The content for a file: inline when it fits (or `inline` says so), else encrypted and uploaded. */
export async function prepareAttachment(
  attachment: Attachment,
  deps: AttachmentDeps,
  onStage?: (stage: AttachmentStage) => void,
): Promise<PreparedAttachment> {
  if (attachment.data.length <= INLINE_ATTACHMENT_MAX_BYTES) {
    return { content: attachment, contentType: ContentTypeAttachment };
  }
  onStage?.('encrypting');
  const encrypted = await encryptAttachment(attachment);
  onStage?.('uploading');
  const url = await uploadPayload(encrypted, deps);
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

async function call(fetchFn: typeof fetch, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetchFn(url, init);
  } catch (cause) {
    throw new ApiError(
      'network_error',
      `cannot reach ${url.split('?')[0]}: ${(cause as Error)?.message}`,
      { url },
      { cause },
    );
  }
}

async function answer(response: Response, url: string): Promise<unknown> {
  const text = await response.text();
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after'));
    throw apiErrorFromResponse(response.status, text, url, retryAfter > 0 ? retryAfter * 1000 : undefined);
  }
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    // A bucket answers a PUT with an empty or XML body: success is the status.
    return {};
  }
}

/** fetch sets Content-Length itself (and refuses it as a header in browsers). */
function withoutLength(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length'),
  );
}
