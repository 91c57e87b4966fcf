// xmtp.org/text:1.0 (docs/protocol.md §10.2).
import { utf8 } from '@/protocol/bytes';
import { ProtocolError } from '@/protocol/errors';
import type { ContentCodec } from '@/protocol/content/codec';
import { contentTypeId } from '@/protocol/content/content-type-id';
import { requireString } from './params';

export const ContentTypeText = contentTypeId('xmtp.org', 'text', 1, 0);

// Not fatal on purpose: xmtp-js decodes text with a plain TextDecoder, so invalid sequences become
// U+FFFD there; rejecting them here would hide messages xmtp-js users can read.
const decoder = new TextDecoder('utf-8');

export const textCodec: ContentCodec<string> = {
  contentType: ContentTypeText,
  encode(content) {
    return {
      type: ContentTypeText,
      parameters: { encoding: 'UTF-8' },
      content: utf8(requireString(content, 'text content')),
    };
  },
  decode(encoded) {
    // @xmtp/content-type-text 1.0.1 also rejects a missing encoding; older senders omitted it,
    // and docs/protocol.md §10.2 accepts that, so only a different encoding is an error.
    const encoding = Object.hasOwn(encoded.parameters, 'encoding') ? encoded.parameters.encoding : undefined;
    if (encoding !== undefined && encoding !== 'UTF-8') {
      throw new ProtocolError(
        'unsupported_text_encoding',
        `unrecognized text encoding ${JSON.stringify(encoding)}`,
      );
    }
    return decoder.decode(encoded.content);
  },
  fallback: () => undefined,
  shouldPush: () => true,
};
