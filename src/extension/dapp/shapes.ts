// What a page receives: conversations and messages without the inbox's own bookkeeping (unread counts, previews,
// send errors), and never anything from the vault.
import type { ConversationRecord, MessageRecord } from '@/extension/cache/records';

export interface DappConversation {
  topic: string;
  peerAddress: string;
  conversationId?: string;
  createdAt: number;
  consent: ConversationRecord['consent'];
}

export interface DappMessage {
  id: string;
  topic: string;
  senderAddress: string;
  sentAt: number;
  contentType: string;
  content: unknown;
  fallback?: string;
  status: MessageRecord['status'];
}

export function toDappConversation(record: ConversationRecord): DappConversation {
  const { topic, peerAddress, conversationId, createdAt, consent } = record;
  return conversationId === undefined
    ? { topic, peerAddress, createdAt, consent }
    : { topic, peerAddress, conversationId, createdAt, consent };
}

export function toDappMessage(record: MessageRecord): DappMessage {
  const { id, topic, senderAddress, sentAt, contentType, content, fallback, status } = record;
  return fallback === undefined
    ? { id, topic, senderAddress, sentAt, contentType, content, status }
    : { id, topic, senderAddress, sentAt, contentType, content, fallback, status };
}
