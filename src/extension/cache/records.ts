// Record shapes of the local cache: generic over the protocol version, JSON-safe (they cross the
// popup⇄background boundary as they are), times in milliseconds since the epoch.

export type Consent = 'allowed' | 'denied' | 'unknown';

/** A conversation as the inbox lists it. `topic` is its identity (docs/protocol.md §5). */
export interface ConversationRecord {
  topic: string;
  peerAddress: string;
  /** The V2 conversation id from the invitation context, if any (docs/protocol.md §8.1). */
  conversationId?: string;
  createdAt: number;
  lastMessage?: { id: string; senderAddress: string; sentAt: number; preview: string };
  unread: number;
  consent: Consent;
  // The user's own choices for this conversation, each with the time it was set (ms), so that a later sync
  // across devices can merge them field by field, last writer wins (src/extension/inbox/conversation-state.ts).
  /** Pinned since (the pinned conversations' order); absent when not pinned. */
  pinnedAt?: number;
  /** When it was last pinned or unpinned. */
  pinSetAt?: number;
  /** Muted until this time (MUTED_FOREVER: until unmuted); absent or past: not muted. */
  mutedUntil?: number;
  /** When it was last muted or unmuted. */
  mutedSetAt?: number;
  /** Archived since; absent when in the inbox. */
  archivedAt?: number;
  /** When it was last archived or brought back (by the user or by a new message). */
  archiveSetAt?: number;
  /** The composer's unsent text; absent or empty text: no draft. */
  draft?: { text: string; updatedAt: number };
  /** When the user last marked it read or unread (opening it with unread messages marks it read). */
  readSetAt?: number;
  /** Read up to this message time; absent with readSetAt: marked unread then. */
  readUpTo?: number;
}

/** `mutedUntil` of a conversation muted until the user unmutes it (JSON-safe, unlike Infinity). */
export const MUTED_FOREVER = Number.MAX_SAFE_INTEGER;

/**
 * Where a page of the conversation list starts: after this row (its place in the inbox order, which survives the
 * row moving since). The popup builds it from its last row; the worker's conversation-pages.ts reads it.
 */
export interface ConversationCursor {
  topic: string;
  /** The row's activity time (its last message's, else its creation's). */
  at: number;
  pinnedAt?: number;
}

/** Rows one page of the conversation list may hold. */
export const MAX_PAGE = 500;

/** The cursor of a row: where the next page starts. */
export function cursorOf(c: ConversationRecord): ConversationCursor {
  return {
    topic: c.topic,
    at: c.lastMessage?.sentAt ?? c.createdAt,
    ...(c.pinnedAt !== undefined ? { pinnedAt: c.pinnedAt } : {}),
  };
}

/** Marked read at `at`: no unread messages, read up to its last message. Undefined when nothing is unread. */
export function markedRead(conversation: ConversationRecord, at: number): ConversationRecord | undefined {
  if (conversation.unread === 0) return undefined;
  return { ...conversation, unread: 0, readSetAt: at, readUpTo: conversation.lastMessage?.sentAt ?? 0 };
}

/** Whether a conversation is muted at `now`. */
export function isMuted(conversation: Pick<ConversationRecord, 'mutedUntil'>, now: number): boolean {
  return conversation.mutedUntil !== undefined && conversation.mutedUntil > now;
}

export type MessageStatus = 'sent' | 'pending' | 'failed';

/** A decoded message. `content` is JSON-safe (text as a string, reactions and replies as objects). */
export interface MessageRecord {
  id: string;
  topic: string;
  senderAddress: string;
  sentAt: number;
  /** `authority/type:major.minor`, e.g. `xmtp.org/text:1.0` (docs/protocol.md §10). */
  contentType: string;
  content: unknown;
  fallback?: string;
  /**
   * Set when the content cannot be shown as its type (an unknown type, or content that failed to decode): the
   * error code. The popup shows `fallback`, else "Unsupported message". A reply keeps its `reference` then.
   */
  unsupported?: string;
  status: MessageStatus;
  error?: string;
  /** Where a pending file is: encrypting, uploading (to the attachment store) or sending the message. */
  progress?: 'encrypting' | 'uploading' | 'sending';
}

export const CONTENT_TYPES = {
  text: 'xmtp.org/text:1.0',
  reaction: 'xmtp.org/reaction:1.0',
  reply: 'xmtp.org/reply:1.0',
  readReceipt: 'xmtp.org/readReceipt:1.0',
  attachment: 'xmtp.org/attachment:1.0',
  remoteAttachment: 'xmtp.org/remoteStaticAttachment:1.0',
} as const;

/** Reaction content as the reaction codec decodes it (docs/protocol.md §10.2). */
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

// A peer chooses what its content holds: check the shape before reading it as one of the kinds above.

export function isReactionContent(value: unknown): value is ReactionContent {
  const reaction = value as Partial<ReactionContent> | null;
  return (
    !!reaction &&
    typeof reaction === 'object' &&
    typeof reaction.reference === 'string' &&
    typeof reaction.content === 'string' &&
    (reaction.action === 'added' || reaction.action === 'removed')
  );
}

export function isReplyContent(value: unknown): value is ReplyContent {
  const reply = value as Partial<ReplyContent> | null;
  return (
    !!reply &&
    typeof reply === 'object' &&
    typeof reply.reference === 'string' &&
    typeof reply.contentType === 'string'
  );
}

/** What the popup gets in place of either: enough to draw the card, nothing to decrypt with. */
export interface AttachmentSummary {
  filename: string;
  /** Known for inline files; a remote file's type is known once loaded. */
  mimeType?: string;
  /** Bytes of the file (as the sender reports it, for a remote one). */
  size: number;
  remote: boolean;
}

/** The largest file the popup or a page may send: the node's default upload limit (docs/node-api.md §6). */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

export function isAttachmentSummary(value: unknown): value is AttachmentSummary {
  const s = value as Partial<AttachmentSummary> | null;
  return !!s && typeof s.filename === 'string' && typeof s.size === 'number' && typeof s.remote === 'boolean';
}
