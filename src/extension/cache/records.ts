// Record shapes of the local cache: generic over the protocol version, JSON-safe (they cross the
// popup⇄background boundary as they are), times in milliseconds since the epoch.

export type Consent = 'allowed' | 'denied' | 'unknown';

/** A conversation as the inbox lists it. `topic` is its identity (protocol.md §5). */
export interface ConversationRecord {
  topic: string;
  peerAddress: string;
  /** The V2 conversation id from the invitation context, if any (protocol.md §8.1). */
  conversationId?: string;
  createdAt: number;
  lastMessage?: { id: string; senderAddress: string; sentAt: number; preview: string };
  unread: number;
  consent: Consent;
}

export type MessageStatus = 'sent' | 'pending' | 'failed';

/** A decoded message. `content` is JSON-safe (text as a string, reactions and replies as objects). */
export interface MessageRecord {
  id: string;
  topic: string;
  senderAddress: string;
  sentAt: number;
  /** `authority/type:major.minor`, e.g. `xmtp.org/text:1.0` (protocol.md §10). */
  contentType: string;
  content: unknown;
  fallback?: string;
  status: MessageStatus;
  error?: string;
}

export const CONTENT_TYPES = {
  text: 'xmtp.org/text:1.0',
  reaction: 'xmtp.org/reaction:1.0',
  reply: 'xmtp.org/reply:1.0',
  readReceipt: 'xmtp.org/readReceipt:1.0',
  remoteAttachment: 'xmtp.org/remoteStaticAttachment:1.0',
} as const;

/** Reaction content as the reaction codec decodes it (protocol.md §10.2). */
export interface ReactionContent {
  reference: string;
  action: 'added' | 'removed';
  content: string;
  schema?: string;
}

/** Reply content: the referenced message id and the nested content with its type. */
export interface ReplyContent {
  reference: string;
  contentType: string;
  content: unknown;
}
