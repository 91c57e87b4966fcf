// One-line previews for the inbox list, from a message's JSON-safe content.
import { CONTENT_TYPES, type MessageRecord, type ReactionContent, type ReplyContent } from './records';

const MAX_PREVIEW = 140;

export function previewOf(message: Pick<MessageRecord, 'contentType' | 'content' | 'fallback'>): string {
  return clip(describe(message));
}

function describe({
  contentType,
  content,
  fallback,
}: Pick<MessageRecord, 'contentType' | 'content' | 'fallback'>) {
  if (contentType === CONTENT_TYPES.text && typeof content === 'string') return content;
  if (contentType === CONTENT_TYPES.reaction && content && typeof content === 'object') {
    const reaction = content as ReactionContent;
    return reaction.action === 'removed' ? 'removed a reaction' : `reacted ${reaction.content}`;
  }
  if (contentType === CONTENT_TYPES.reply && content && typeof content === 'object') {
    const reply = content as ReplyContent;
    return typeof reply.content === 'string' ? reply.content : (fallback ?? 'replied');
  }
  return fallback ?? `[${contentType}]`;
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_PREVIEW ? line.slice(0, MAX_PREVIEW - 1) + '…' : line;
}
