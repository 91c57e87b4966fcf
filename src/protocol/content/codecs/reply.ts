// xmtp.org/reply:1.0 (docs/protocol.md §10.2): a nested EncodedContent answering an earlier message.
import type { ContentCodec } from '@/protocol/content/codec';
import type { ContentTypeId } from '@/protocol/content/content-type-id';
import { contentTypeId, formatContentTypeId } from '@/protocol/content/content-type-id';
import { decodeEncodedContent, encodeEncodedContent } from '@/protocol/content/encoded-content';
import { decodeNested, encodeNested } from '@/protocol/content/nested';
import { requireParameter, requireString } from './params';

export const ContentTypeReply = contentTypeId('xmtp.org', 'reply', 1, 0);

export interface Reply {
  /** Message id (hex sha256, docs/protocol.md §7.1) of the message replied to. */
  reference: string;
  /** Inbox id of that message's sender (group conversations only). */
  referenceInboxId?: string;
  contentType: ContentTypeId;
  content: unknown;
}

export const replyCodec: ContentCodec<Reply> = {
  contentType: ContentTypeReply,
  encode(reply, codecs) {
    const parameters: Record<string, string> = {
      // xmtp-js still writes the inner type here, although the inner content carries it too.
      contentType: formatContentTypeId(reply.contentType),
      reference: requireString(reply.reference, 'reply reference'),
    };
    if (reply.referenceInboxId) parameters.referenceInboxId = reply.referenceInboxId;
    return {
      type: ContentTypeReply,
      parameters,
      content: encodeEncodedContent(encodeNested(reply.contentType, reply.content, codecs)),
    };
  },
  decode(encoded, codecs) {
    const reference = requireParameter(encoded, 'reference');
    const inner = decodeEncodedContent(encoded.content);
    const reply: Reply = { reference, contentType: inner.type, content: decodeNested(inner, codecs) };
    if (Object.hasOwn(encoded.parameters, 'referenceInboxId')) {
      reply.referenceInboxId = encoded.parameters.referenceInboxId;
    }
    return reply;
  },
  fallback(reply) {
    return typeof reply.content === 'string'
      ? `Replied with “${reply.content}” to an earlier message`
      : 'Replied to an earlier message';
  },
  shouldPush: () => true,
};
