// Attachment content as the cache keeps it (JSON-safe, from jsonSafe: bytes as { base64 }) and as the popup
// sees it: a summary without the bytes or the keys. The bytes reach the popup only on request, one file at a
// time (attachments.load), and become a blob: URL there.
import { CONTENT_TYPES, type AttachmentSummary, type MessageRecord } from '@/extension/cache/records';
import { fromBase64 } from '@/protocol/bytes';
import type { RemoteAttachment } from '@/protocol/content';

/** xmtp.org/attachment:1.0 in the cache. */
export interface InlineAttachmentJson {
  filename: string;
  mimeType: string;
  data: { base64: string };
}

/** xmtp.org/remoteStaticAttachment:1.0 in the cache. */
export interface RemoteAttachmentJson {
  url: string;
  contentDigest: string;
  salt: { base64: string };
  nonce: { base64: string };
  secret: { base64: string };
  scheme: string;
  contentLength: number;
  filename: string;
}

/** A file as the popup receives it to show or save. */
export interface LoadedAttachment {
  filename: string;
  mimeType: string;
  /** The bytes, base64. */
  data: string;
}

const isBase64Field = (value: unknown): value is { base64: string } =>
  !!value && typeof value === 'object' && typeof (value as { base64?: unknown }).base64 === 'string';

export function isInlineAttachmentJson(value: unknown): value is InlineAttachmentJson {
  const a = value as Partial<InlineAttachmentJson> | null;
  return !!a && typeof a.filename === 'string' && typeof a.mimeType === 'string' && isBase64Field(a.data);
}

export function isRemoteAttachmentJson(value: unknown): value is RemoteAttachmentJson {
  const r = value as Partial<RemoteAttachmentJson> | null;
  return (
    !!r &&
    typeof r.url === 'string' &&
    typeof r.contentDigest === 'string' &&
    typeof r.filename === 'string' &&
    typeof r.contentLength === 'number' &&
    isBase64Field(r.salt) &&
    isBase64Field(r.nonce) &&
    isBase64Field(r.secret)
  );
}

/** Bytes of base64 text, without decoding it. */
export function base64Size(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((base64.length * 3) / 4) - padding);
}

export function remoteFromJson(json: RemoteAttachmentJson): RemoteAttachment {
  return {
    url: json.url,
    contentDigest: json.contentDigest,
    salt: fromBase64(json.salt.base64),
    nonce: fromBase64(json.nonce.base64),
    secret: fromBase64(json.secret.base64),
    scheme: json.scheme,
    contentLength: json.contentLength,
    filename: json.filename,
  };
}

/** The record as the popup gets it: attachment content replaced by its summary; other records unchanged. */
export function withAttachmentSummary(message: MessageRecord): MessageRecord {
  const { contentType, content } = message;
  if (contentType === CONTENT_TYPES.attachment && isInlineAttachmentJson(content)) {
    const summary: AttachmentSummary = {
      filename: content.filename,
      mimeType: content.mimeType,
      size: base64Size(content.data.base64),
      remote: false,
    };
    return { ...message, content: summary };
  }
  if (contentType === CONTENT_TYPES.remoteAttachment && isRemoteAttachmentJson(content)) {
    const summary: AttachmentSummary = {
      filename: content.filename,
      size: content.contentLength,
      remote: true,
    };
    return { ...message, content: summary };
  }
  return message;
}

/** The file name of an attachment message (cached or summarized content), else undefined. */
export function attachmentName({ contentType, content }: Pick<MessageRecord, 'contentType' | 'content'>) {
  if (contentType !== CONTENT_TYPES.attachment && contentType !== CONTENT_TYPES.remoteAttachment)
    return undefined;
  const name = (content as { filename?: unknown } | null)?.filename;
  return typeof name === 'string' ? name : undefined;
}
