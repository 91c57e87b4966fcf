// One-line previews for the inbox list, from a message's JSON-safe content. Total: whatever a peer sent, the
// row gets a line (the text, the sender's fallback, or "Unsupported message").
import { attachmentName } from '@/extension/attachments/attachment-content';
import { CONTENT_TYPES, isReactionContent, isReplyContent, type MessageRecord } from './records';

const MAX_PREVIEW = 140;

export const UNSUPPORTED_PREVIEW = 'Unsupported message';

type Previewed = Pick<MessageRecord, 'contentType' | 'content' | 'fallback'>;

export function previewOf(message: Previewed): string {
  return clip(describe(message)) || EMPTY_PREVIEW;
}

/** The line of a message with no text (an empty text, say): the row is never blank. */
export const EMPTY_PREVIEW = '(empty message)';

function describe({ contentType, content, fallback }: Previewed): string {
  const sendersText = typeof fallback === 'string' && fallback ? fallback : undefined;
  if (contentType === CONTENT_TYPES.text && typeof content === 'string') return content;
  if (contentType === CONTENT_TYPES.reaction && isReactionContent(content)) {
    return content.action === 'removed' ? 'removed a reaction' : `reacted ${content.content}`;
  }
  if (contentType === CONTENT_TYPES.reply && isReplyContent(content)) {
    return typeof content.content === 'string' ? content.content : (sendersText ?? 'replied');
  }
  const file = attachmentName({ contentType, content });
  if (file !== undefined) return `📎 ${file}`;
  return sendersText ?? UNSUPPORTED_PREVIEW;
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_PREVIEW ? line.slice(0, MAX_PREVIEW - 1) + '…' : line;
}
