// xmtp.org/attachment:1.0 (docs/protocol.md §10.2): a file carried inside the message.
import type { ContentCodec } from '@/protocol/content/codec';
import { contentTypeId } from '@/protocol/content/content-type-id';
import { requireParameter, requireString } from './params';
import { ProtocolError } from '@/protocol/errors';

export const ContentTypeAttachment = contentTypeId('xmtp.org', 'attachment', 1, 0);

export interface Attachment {
  filename: string;
  mimeType: string;
  data: Uint8Array;
}

/** The fallback text of attachments and remote attachments (typographic apostrophes, plain quotes). */
export function attachmentFallback(filename: string): string {
  return `Can’t display "${filename}". This app doesn’t support attachments.`;
}

export const attachmentCodec: ContentCodec<Attachment> = {
  contentType: ContentTypeAttachment,
  encode(attachment) {
    if (!(attachment.data instanceof Uint8Array)) {
      throw new ProtocolError('invalid_content', 'attachment data must be a Uint8Array');
    }
    return {
      type: ContentTypeAttachment,
      parameters: {
        filename: requireString(attachment.filename, 'attachment filename'),
        mimeType: requireString(attachment.mimeType, 'attachment mimeType'),
      },
      content: attachment.data,
    };
  },
  decode(encoded) {
    return {
      filename: requireParameter(encoded, 'filename'),
      mimeType: requireParameter(encoded, 'mimeType'),
      data: encoded.content,
    };
  },
  fallback: (attachment) => attachmentFallback(attachment.filename),
  shouldPush: () => true,
};
