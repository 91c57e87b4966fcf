// Turns a conversation's messages into what the thread shows: date dividers, reactions gathered under the
// message they react to (added minus removed, per sender), replies with the message they quote, and "Seen" under
// the user's last message that the peer's latest read receipt covers. Content comes
// from peers: every record becomes an entry (its text, the sender's fallback, or "Unsupported message"), and
// nothing here trusts a record's content to have the shape of its type.
import {
  CONTENT_TYPES,
  isReactionContent,
  isReplyContent,
  type MessageRecord,
} from '@/extension/cache/records';
import { isAttachmentSummary, type AttachmentSummary } from '@/extension/cache/records';
import { dayKey } from './format';

export interface ThreadMessage {
  message: MessageRecord;
  text: string;
  /** The text is the sender's fallback or "Unsupported message": the content itself cannot be shown. */
  unsupported?: boolean;
  quoted?: { senderAddress: string; text: string; mine: boolean };
  reactions: { emoji: string; count: number; mine: boolean }[];
  /** The user's last message the peer has read (its latest read receipt came after it). */
  seen?: boolean;
  /** A file (inline or remote): drawn as a thumbnail or a card instead of the text. */
  attachment?: AttachmentSummary;
}

export type ThreadItem = { kind: 'day'; key: string; at: number } | { kind: 'message'; item: ThreadMessage };

export const UNSUPPORTED_TEXT = 'Unsupported message';
/** A text message with no text at all (a peer may send one): shown so the bubble is not blank. */
export const EMPTY_TEXT = '(empty message)';

/** What a message says, and whether that is its own content or a stand-in for it. */
function describe(message: MessageRecord): { text: string; unsupported?: boolean } {
  const { contentType, content, fallback } = message;
  if (!message.unsupported) {
    if (contentType === CONTENT_TYPES.text && typeof content === 'string')
      return { text: content || EMPTY_TEXT };
    if (contentType === CONTENT_TYPES.reply && isReplyContent(content) && typeof content.content === 'string')
      return { text: content.content || EMPTY_TEXT };
    if (isFile(message)) return { text: `📎 ${(content as AttachmentSummary).filename}` };
  }
  const sendersText = typeof fallback === 'string' && fallback ? fallback : undefined;
  return { text: sendersText ?? UNSUPPORTED_TEXT, unsupported: true };
}

function isFile({ contentType, content }: MessageRecord): boolean {
  return (
    (contentType === CONTENT_TYPES.attachment || contentType === CONTENT_TYPES.remoteAttachment) &&
    isAttachmentSummary(content)
  );
}

const sameAddress = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b;

export function buildThread(messages: MessageRecord[], self: string): ThreadItem[] {
  const me = self.toLowerCase();
  const byId = new Map(messages.map((m) => [m.id, m]));
  // reference → emoji → set of senders currently reacting
  const reactions = new Map<string, Map<string, Set<string>>>();
  const shownAsReaction = (m: MessageRecord) =>
    m.contentType === CONTENT_TYPES.reaction && !m.unsupported && isReactionContent(m.content);
  for (const m of messages) {
    if (!shownAsReaction(m)) continue;
    const r = m.content as { reference: string; action: string; content: string };
    const sender = String(m.senderAddress).toLowerCase();
    const emojis = reactions.get(r.reference) ?? new Map<string, Set<string>>();
    const senders = emojis.get(r.content) ?? new Set<string>();
    if (r.action === 'removed') senders.delete(sender);
    else senders.add(sender);
    emojis.set(r.content, senders);
    reactions.set(r.reference, emojis);
  }
  // A receipt says "read up to when I sent this": the newest one from the peer covers everything before it.
  let peerReadUntil = -Infinity;
  for (const m of messages) {
    if (
      m.contentType === CONTENT_TYPES.readReceipt &&
      !sameAddress(m.senderAddress, me) &&
      m.sentAt > peerReadUntil
    )
      peerReadUntil = m.sentAt;
  }
  let seen: ThreadMessage | undefined;
  const items: ThreadItem[] = [];
  let lastDay = '';
  for (const m of messages) {
    // Read receipts are never shown; a reaction that cannot be read shows as a message (its fallback).
    if (shownAsReaction(m) || m.contentType === CONTENT_TYPES.readReceipt) continue;
    const sentAt = Number.isFinite(m.sentAt) ? m.sentAt : 0;
    const day = dayKey(sentAt);
    if (day !== lastDay) {
      items.push({ kind: 'day', key: day, at: sentAt });
      lastDay = day;
    }
    const entry: ThreadMessage = {
      message: m,
      ...describe(m),
      reactions: [...(reactions.get(m.id) ?? new Map<string, Set<string>>())]
        .filter(([, senders]) => senders.size > 0)
        .map(([emoji, senders]) => ({ emoji, count: senders.size, mine: senders.has(me) })),
    };
    if (!m.unsupported && isFile(m)) entry.attachment = m.content as AttachmentSummary;
    if (m.contentType === CONTENT_TYPES.reply && isReplyContent(m.content)) {
      const quoted = byId.get(m.content.reference);
      entry.quoted = quoted
        ? {
            senderAddress: typeof quoted.senderAddress === 'string' ? quoted.senderAddress : '',
            text: describe(quoted).text,
            mine: sameAddress(quoted.senderAddress, me),
          }
        : { senderAddress: '', text: 'Original message not loaded', mine: false };
    }
    if (sameAddress(m.senderAddress, me) && m.status === 'sent' && m.sentAt <= peerReadUntil) seen = entry;
    items.push({ kind: 'message', item: entry });
  }
  if (seen) seen.seen = true;
  return items;
}

/** Whether the user sent this message. */
export function isMine(message: MessageRecord, self: string): boolean {
  return sameAddress(message.senderAddress, self.toLowerCase());
}
