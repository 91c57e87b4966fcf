// EncodedContent nested inside other content (reply, composite).
import type { CodecLookup } from './codec';
import { decompress, DEFAULT_MAX_DECOMPRESSED_BYTES } from './compression';
import type { ContentTypeId } from './content-type-id';
import { formatContentTypeId } from './content-type-id';
import type { EncodedContent } from './encoded-content';
import { ProtocolError } from '@/protocol/errors';

/** Encodes a nested value with the codec registered for its type. */
export function encodeNested(
  contentType: ContentTypeId,
  content: unknown,
  codecs: CodecLookup,
): EncodedContent {
  const codec = codecs.codecFor(contentType);
  if (!codec) {
    throw new ProtocolError(
      'unknown_content_type',
      `missing codec for nested content type ${formatContentTypeId(contentType)}`,
    );
  }
  return codec.encode(content, codecs);
}

/**
 * Decodes a nested EncodedContent with its codec. xmtp-js never compresses nested content;
 * if another sender did, we inflate it (with the default cap) rather than hand bytes to the codec.
 */
export function decodeNested(encoded: EncodedContent, codecs: CodecLookup): unknown {
  const codec = codecs.codecFor(encoded.type);
  if (!codec) {
    throw new ProtocolError(
      'unknown_content_type',
      `missing codec for nested content type ${formatContentTypeId(encoded.type)}`,
    );
  }
  const inflated =
    encoded.compression === undefined
      ? encoded
      : {
          ...encoded,
          content: decompress(encoded.content, encoded.compression, DEFAULT_MAX_DECOMPRESSED_BYTES),
        };
  return codec.decode(inflated, codecs);
}
