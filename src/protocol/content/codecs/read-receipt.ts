// xmtp.org/readReceipt:1.0 (docs/protocol.md §10.2): no content; never pushed.
import type { ContentCodec } from '@/protocol/content/codec';
import { contentTypeId } from '@/protocol/content/content-type-id';

export const ContentTypeReadReceipt = contentTypeId('xmtp.org', 'readReceipt', 1, 0);

export type ReadReceipt = Record<string, never>;

export const readReceiptCodec: ContentCodec<ReadReceipt> = {
  contentType: ContentTypeReadReceipt,
  encode: () => ({ type: ContentTypeReadReceipt, parameters: {}, content: new Uint8Array(0) }),
  decode: () => ({}),
  fallback: () => undefined,
  shouldPush: () => false,
};
