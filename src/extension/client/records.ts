// From the client's objects to the extension's JSON-safe records (they cross the popup boundary and live in
// IndexedDB): content type ids as `authority/type:major.minor`, dates as ms, bytes as base64.
import type { Conversation, DecodedMessage } from '@/client';
import type { ConversationInfo, DecodedMessage as MessageInfo } from '@/extension/client-adapter';
import {
  CONTENT_TYPES,
  isReactionContent,
  isReplyContent,
  type Consent,
  type ReplyContent,
} from '@/extension/cache/records';
import { toBase64 } from '@/protocol/bytes';
import { formatContentTypeId, type ContentTypeId } from '@/protocol/content';

function isContentTypeId(value: unknown): value is ContentTypeId {
  const id = value as Partial<ContentTypeId> | null;
  return (
    !!id && typeof id === 'object' && typeof id.authorityId === 'string' && typeof id.typeId === 'string'
  );
}

/** Deep copy into JSON-safe values: Uint8Array → { base64 }, Date → ms, bigint → string, content type ids → text. */
export function jsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (value instanceof Uint8Array) return { base64: toBase64(value) };
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (isContentTypeId(value)) return formatContentTypeId(value);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = jsonSafe(item);
    return out;
  }
  return value;
}

export function conversationInfo(conversation: Conversation, consent: Consent): ConversationInfo {
  return {
    topic: conversation.topic,
    peerAddress: conversation.peerAddress,
    ...(conversation.context?.conversationId ? { conversationId: conversation.context.conversationId } : {}),
    createdAt: conversation.createdAt.getTime(),
    consent,
  };
}

/**
 * The record of a decoded message, always one the popup can show: content that cannot be read as its type
 * (an unknown type, content that failed to decode, or a shape its type does not have) comes as `content: null`
 * with `unsupported` set and the sender's fallback if any. A reply keeps its reference, so it still quotes.
 */
export function messageInfo(message: DecodedMessage): MessageInfo {
  const sentAt = message.sent.getTime();
  const record: MessageInfo = {
    id: message.id,
    topic: message.topic,
    senderAddress: message.senderAddress,
    sentAt: Number.isFinite(sentAt) ? sentAt : 0,
    contentType: formatContentTypeId(message.contentType),
    content: null,
  };
  if (message.fallback) record.fallback = message.fallback;
  if (message.error) return unsupported(record, message.error.code, message.parameters);
  try {
    record.content = jsonSafe(message.content);
  } catch {
    // Content nested too deep to copy, say: the message still shows, as unsupported.
    return unsupported(record, 'invalid_content');
  }
  return readableAsItsType(record) ? record : unsupported(record, 'invalid_content');
}

function unsupported(record: MessageInfo, code: string, parameters?: Record<string, string>): MessageInfo {
  record.unsupported = code;
  record.content = null;
  // A reply whose nested type we cannot read is still a reply to something (docs/protocol.md §10.2).
  const reference = parameters?.reference;
  if (record.contentType === CONTENT_TYPES.reply && typeof reference === 'string') {
    const reply: ReplyContent = { reference, contentType: parameters?.contentType ?? '', content: null };
    record.content = reply;
  }
  return record;
}

/** Whether decoded content has the shape the popup reads for its type (types it does not read pass). */
function readableAsItsType({ contentType, content }: MessageInfo): boolean {
  switch (contentType) {
    case CONTENT_TYPES.text:
      return typeof content === 'string';
    case CONTENT_TYPES.reaction:
      return isReactionContent(content);
    case CONTENT_TYPES.reply:
      return isReplyContent(content);
    default:
      return true;
  }
}
