// From the client's objects to the extension's JSON-safe records (they cross the popup boundary and live in
// IndexedDB): content type ids as `authority/type:major.minor`, dates as ms, bytes as base64.
import type { Conversation, DecodedMessage } from '@/client';
import type { ConversationInfo, DecodedMessage as MessageInfo } from '@/extension/client-adapter';
import type { Consent } from '@/extension/cache/records';
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

export function messageInfo(message: DecodedMessage): MessageInfo {
  const record: MessageInfo = {
    id: message.id,
    topic: message.topic,
    senderAddress: message.senderAddress,
    sentAt: message.sent.getTime(),
    contentType: formatContentTypeId(message.contentType),
    content: message.error ? null : jsonSafe(message.content),
  };
  if (message.fallback) record.fallback = message.fallback;
  if (message.error && !record.fallback)
    record.fallback = `This message could not be decoded (${message.error.code})`;
  return record;
}
