// Turns a conversation's messages into what the thread shows: date dividers, reactions gathered under the
// message they react to (added minus removed, per sender), replies with the message they quote.
import {
  CONTENT_TYPES,
  type MessageRecord,
  type ReactionContent,
  type ReplyContent,
} from '@/extension/cache/records';
import { dayKey } from './format';

export interface ThreadMessage {
  message: MessageRecord;
  text: string;
  quoted?: { senderAddress: string; text: string; mine: boolean };
  reactions: { emoji: string; count: number; mine: boolean }[];
}

export type ThreadItem = { kind: 'day'; key: string; at: number } | { kind: 'message'; item: ThreadMessage };

function textOf(message: MessageRecord): string {
  if (message.contentType === CONTENT_TYPES.text && typeof message.content === 'string')
    return message.content;
  if (message.contentType === CONTENT_TYPES.reply) {
    const reply = message.content as ReplyContent;
    return typeof reply.content === 'string' ? reply.content : (message.fallback ?? 'Reply');
  }
  return message.fallback ?? `Unsupported content (${message.contentType})`;
}

export function buildThread(messages: MessageRecord[], self: string): ThreadItem[] {
  const me = self.toLowerCase();
  const byId = new Map(messages.map((m) => [m.id, m]));
  // reference → emoji → set of senders currently reacting
  const reactions = new Map<string, Map<string, Set<string>>>();
  for (const m of messages) {
    if (m.contentType !== CONTENT_TYPES.reaction) continue;
    const r = m.content as ReactionContent;
    const emojis = reactions.get(r.reference) ?? new Map<string, Set<string>>();
    const senders = emojis.get(r.content) ?? new Set<string>();
    if (r.action === 'removed') senders.delete(m.senderAddress.toLowerCase());
    else senders.add(m.senderAddress.toLowerCase());
    emojis.set(r.content, senders);
    reactions.set(r.reference, emojis);
  }
  const items: ThreadItem[] = [];
  let lastDay = '';
  for (const m of messages) {
    if (m.contentType === CONTENT_TYPES.reaction || m.contentType === CONTENT_TYPES.readReceipt) continue;
    const day = dayKey(m.sentAt);
    if (day !== lastDay) {
      items.push({ kind: 'day', key: day, at: m.sentAt });
      lastDay = day;
    }
    const entry: ThreadMessage = {
      message: m,
      text: textOf(m),
      reactions: [...(reactions.get(m.id) ?? new Map<string, Set<string>>())]
        .filter(([, senders]) => senders.size > 0)
        .map(([emoji, senders]) => ({ emoji, count: senders.size, mine: senders.has(me) })),
    };
    if (m.contentType === CONTENT_TYPES.reply) {
      const quoted = byId.get((m.content as ReplyContent).reference);
      entry.quoted = quoted
        ? {
            senderAddress: quoted.senderAddress,
            text: textOf(quoted),
            mine: quoted.senderAddress.toLowerCase() === me,
          }
        : { senderAddress: '', text: 'Original message not loaded', mine: false };
    }
    items.push({ kind: 'message', item: entry });
  }
  return items;
}
