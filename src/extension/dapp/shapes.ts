// What a page receives: conversations and messages without the inbox's own bookkeeping (unread counts, previews,
// send errors), and never anything from the vault.
import type { ConversationRecord, MessageRecord } from '@/extension/cache/records';

export type DappConversation = Pick<
  ConversationRecord,
  'topic' | 'peerAddress' | 'conversationId' | 'createdAt' | 'consent'
>;

export type DappMessage = Pick<
  MessageRecord,
  'id' | 'topic' | 'senderAddress' | 'sentAt' | 'contentType' | 'content' | 'fallback' | 'status'
>;

export function toDappConversation(record: ConversationRecord): DappConversation {
  const { topic, peerAddress, conversationId, createdAt, consent } = record;
  return conversationId === undefined
    ? { topic, peerAddress, createdAt, consent }
    : { topic, peerAddress, conversationId, createdAt, consent };
}

/** For an origin that may send but not read: how to address the conversation, nothing about its history. */
export type SendOnlyConversation = Pick<ConversationRecord, 'topic' | 'peerAddress' | 'conversationId'>;

export function toSendOnlyConversation(record: ConversationRecord): SendOnlyConversation {
  const { topic, peerAddress, conversationId } = record;
  return conversationId === undefined ? { topic, peerAddress } : { topic, peerAddress, conversationId };
}

export function toDappMessage(record: MessageRecord): DappMessage {
  const { id, topic, senderAddress, sentAt, contentType, content, fallback, status } = record;
  return fallback === undefined
    ? { id, topic, senderAddress, sentAt, contentType, content, status }
    : { id, topic, senderAddress, sentAt, contentType, content, fallback, status };
}
