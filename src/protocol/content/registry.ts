// Codec registry: encodes content for sending and decodes received content (docs/protocol.md §10.1).
import { ProtocolError } from '@/protocol/errors';
import type { CodecLookup, ContentCodec } from './codec';
import { compress, decompress, DEFAULT_MAX_DECOMPRESSED_BYTES } from './compression';
import type { ContentTypeId } from './content-type-id';
import { contentTypeKey, formatContentTypeId } from './content-type-id';
import type { Compression, EncodedContent } from './encoded-content';
import { decodeEncodedContent, encodeEncodedContent } from './encoded-content';

/** Content shorter than this is never compressed (xmtp-js `Client.encodeContent`). */
export const MIN_COMPRESSIBLE_BYTES = 10;

export interface EncodeContentOptions {
  /** Compress with this algorithm; applied only to content of at least 10 bytes. */
  compression?: Compression;
}

export interface EncodedContentResult {
  /** What goes on the wire (compressed when compression applied). */
  encoded: EncodedContent;
  /** `encoded` serialized in xmtp-js's byte order: the plaintext a message carries. */
  bytes: Uint8Array;
  shouldPush: boolean;
}

export interface DecodedContent<T = unknown> {
  contentType: ContentTypeId;
  /** The decoded value, or undefined when `error` says why it could not be decoded. */
  content: T | undefined;
  fallback?: string;
  /**
   * Set when no registered codec can read this type or a type nested in it (`unknown_content_type`),
   * or the type's major version is newer than our codec's (`unsupported_content_version`).
   */
  error?: ProtocolError;
  /** The received EncodedContent, decompressed. */
  encoded: EncodedContent;
}

export interface CodecRegistryOptions {
  codecs?: ContentCodec[];
  /** Cap on decompressed content; default {@link DEFAULT_MAX_DECOMPRESSED_BYTES}. */
  maxDecompressedBytes?: number;
}

/** Codecs by `authority/type`, plus the encode/decode pipeline around them. */
export class CodecRegistry implements CodecLookup {
  readonly #codecs = new Map<string, ContentCodec>();
  readonly maxDecompressedBytes: number;

  constructor(options: CodecRegistryOptions = {}) {
    const max = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new ProtocolError('invalid_option', `invalid maxDecompressedBytes: ${max}`);
    }
    this.maxDecompressedBytes = max;
    for (const codec of options.codecs ?? []) this.register(codec);
  }

  /** Registers `codec` for its `authority/type`, replacing any codec registered for it before. */
  register(codec: ContentCodec): this {
    this.#codecs.set(contentTypeKey(codec.contentType), codec);
    return this;
  }

  /** The codec for this type, unless the type's major version is newer than the codec's. */
  codecFor(contentType: ContentTypeId): ContentCodec | undefined {
    const codec = this.#codecs.get(contentTypeKey(contentType));
    if (!codec || contentType.versionMajor > codec.contentType.versionMajor) return undefined;
    return codec;
  }

  /** Encodes `content` with the codec for `contentType`, adds its fallback, compresses if asked. */
  async encodeContent(
    content: unknown,
    contentType: ContentTypeId,
    options: EncodeContentOptions = {},
  ): Promise<EncodedContentResult> {
    const codec = this.codecFor(contentType);
    if (!codec) {
      throw new ProtocolError(
        'unknown_content_type',
        `unknown content type ${formatContentTypeId(contentType)}`,
      );
    }
    const encoded: EncodedContent = { ...guard(contentType, 'encode', () => codec.encode(content, this)) };
    const fallback = codec.fallback(content);
    // Like xmtp-js: an empty fallback is no fallback.
    if (fallback) encoded.fallback = fallback;
    if (typeof options.compression === 'number' && encoded.content.length >= MIN_COMPRESSIBLE_BYTES) {
      encoded.compression = options.compression;
      encoded.content = await compress(encoded.content, options.compression);
    }
    return { encoded, bytes: encodeEncodedContent(encoded), shouldPush: codec.shouldPush(content) };
  }

  /**
   * Decodes EncodedContent bytes. Malformed bytes, bad compression, content over the size cap and
   * content its codec rejects throw a ProtocolError. A type without a usable codec is not an error
   * of the bytes: it comes back with its fallback and `error` set, so the message can still be shown.
   */
  decodeContent(bytes: Uint8Array, options: { maxDecompressedBytes?: number } = {}): DecodedContent {
    const encoded = decodeEncodedContent(bytes);
    if (encoded.compression !== undefined) {
      encoded.content = decompress(
        encoded.content,
        encoded.compression,
        options.maxDecompressedBytes ?? this.maxDecompressedBytes,
      );
    }
    const result: DecodedContent = { contentType: encoded.type, content: undefined, encoded };
    if (encoded.fallback !== undefined) result.fallback = encoded.fallback;
    const codec = this.codecFor(encoded.type);
    if (!codec) {
      const known = this.#codecs.get(contentTypeKey(encoded.type));
      result.error = known
        ? new ProtocolError(
            'unsupported_content_version',
            `content type ${formatContentTypeId(encoded.type)} is newer than the codec for ${formatContentTypeId(known.contentType)}`,
          )
        : new ProtocolError(
            'unknown_content_type',
            `unknown content type ${formatContentTypeId(encoded.type)}`,
          );
      return result;
    }
    try {
      result.content = guard(encoded.type, 'decode', () => codec.decode(encoded, this));
    } catch (error) {
      // Nested content of an unknown type (a reply to a poll, say) is still an unknown type:
      // show the outer fallback instead of losing the message.
      if (error instanceof ProtocolError && error.code === 'unknown_content_type') {
        result.error = error;
        return result;
      }
      throw error;
    }
    return result;
  }
}

/** Runs a codec; a codec's own plain Error becomes an `invalid_content` ProtocolError. */
function guard<T>(type: ContentTypeId, what: string, run: () => T): T {
  try {
    return run();
  } catch (cause) {
    if (cause instanceof ProtocolError) throw cause;
    throw new ProtocolError(
      'invalid_content',
      `cannot ${what} ${formatContentTypeId(type)} content: ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
  }
}
