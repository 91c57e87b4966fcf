// How an outgoing message looks in the cache before the network has it (optimistic send), and back again for
// a retry. Content shapes follow the standard codecs (docs/protocol.md §10.2).
import {
  CONTENT_TYPES,
  MAX_ATTACHMENT_BYTES,
  type MessageRecord,
  type ReactionContent,
  type ReplyContent,
} from '@/extension/cache/records';
import type { OutgoingContent } from '@/extension/client-adapter';
import { ExtensionError } from '@/extension/errors';
import {
  base64Size,
  isInlineAttachmentJson,
  type InlineAttachmentJson,
} from '@/extension/attachments/attachment-content';

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A file name without folders or control characters, at most 255 characters; empty: "file". */
function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const printable = [...base].filter((c) => c >= ' ' && c !== '\u007f').join('');
  return printable.slice(0, 255).trim() || 'file';
}

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
    case 'attachment': {
      if (typeof content.filename !== 'string' || typeof content.data !== 'string') break;
      if (typeof content.mimeType !== 'string' || !MIME_TYPE.test(content.mimeType)) {
        throw new ExtensionError(
          'invalid_content',
          `not a media type: ${JSON.stringify(String(content.mimeType).slice(0, 60))}`,
        );
      }
      if (!BASE64.test(content.data) || content.data.length % 4 !== 0) {
        throw new ExtensionError('invalid_content', 'the file data is not base64');
      }
      const size = base64Size(content.data);
      if (size === 0) throw new ExtensionError('empty_file', 'the file is empty');
      if (size > MAX_ATTACHMENT_BYTES) {
        throw new ExtensionError(
          'file_too_large',
          `the file is ${size} bytes; files up to ${MAX_ATTACHMENT_BYTES} bytes can be sent`,
        );
      }
      const file: InlineAttachmentJson = {
        filename: cleanFilename(content.filename),
        mimeType: content.mimeType.toLowerCase(),
        data: { base64: content.data },
      };
      return { contentType: CONTENT_TYPES.attachment, content: file };
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
  if (message.contentType === CONTENT_TYPES.attachment && isInlineAttachmentJson(message.content)) {
    const { filename, mimeType, data } = message.content;
    return { type: 'attachment', filename, mimeType, data: data.base64 };
  }
  throw new ExtensionError('invalid_content', `cannot resend content of type ${message.contentType}`);
}
