// The codec contract every content type implements (docs/protocol.md §10).
import type { ContentTypeId } from './content-type-id';
import type { EncodedContent } from './encoded-content';

/** Finds the codec for a content type; what codecs of nested content (reply, composite) use. */
export interface CodecLookup {
  codecFor(contentType: ContentTypeId): ContentCodec | undefined;
}

/**
 * Turns one kind of content value into `EncodedContent` and back. Same shape as xmtp-js's
 * `ContentCodec`: `encode`/`decode` may look up codecs for nested content in `codecs`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface ContentCodec<T = any> {
  readonly contentType: ContentTypeId;
  encode(content: T, codecs: CodecLookup): EncodedContent;
  decode(encoded: EncodedContent, codecs: CodecLookup): T;
  /** Text shown by clients that do not know this content type, or undefined for none. */
  fallback(content: T): string | undefined;
  /** Whether the message should trigger a push notification (MessageV2 `should_push`). */
  shouldPush(content: T): boolean;
}
