// How an outgoing message looks in the cache before the network has it (optimistic send), and back again for
// a retry. Content shapes follow the standard codecs (docs/protocol.md §10.2).
import {
  CONTENT_TYPES,
  type MessageRecord,
  type ReactionContent,
  type ReplyContent,
} from '@/extension/cache/records';
import type { OutgoingContent } from '@/extension/client-adapter';
import { ExtensionError } from '@/extension/errors';

export function contentRecord(content: OutgoingContent): Pick<MessageRecord, 'contentType' | 'content'> {
  switch (content?.type) {
    case 'text':
      if (typeof content.text !== 'string' || !content.text.trim()) break;
      return { contentType: CONTENT_TYPES.text, content: content.text };
    case 'reply': {
      if (typeof content.text !== 'string' || !content.text.trim() || !content.reference) break;
      const reply: ReplyContent = {
        reference: content.reference,
        contentType: CONTENT_TYPES.text,
        content: content.text,
      };
      return { contentType: CONTENT_TYPES.reply, content: reply };
    }
    case 'reaction': {
      if (!content.reference || !content.emoji) break;
      const reaction: ReactionContent = {
        reference: content.reference,
        action: content.action === 'removed' ? 'removed' : 'added',
        content: content.emoji,
        schema: 'unicode',
      };
      return { contentType: CONTENT_TYPES.reaction, content: reaction };
    }
  }
  throw new ExtensionError(
    'invalid_content',
    `cannot send this content: ${JSON.stringify(content)?.slice(0, 100)}`,
  );
}

export function outgoingOf(message: MessageRecord): OutgoingContent {
  if (message.contentType === CONTENT_TYPES.text && typeof message.content === 'string') {
    return { type: 'text', text: message.content };
  }
  if (message.contentType === CONTENT_TYPES.reply) {
    const reply = message.content as ReplyContent;
    return { type: 'reply', reference: reply.reference, text: String(reply.content) };
  }
  if (message.contentType === CONTENT_TYPES.reaction) {
    const reaction = message.content as ReactionContent;
    return {
      type: 'reaction',
      reference: reaction.reference,
      emoji: reaction.content,
      action: reaction.action,
    };
  }
  throw new ExtensionError('invalid_content', `cannot resend content of type ${message.contentType}`);
}
