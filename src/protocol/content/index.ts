// Content types (docs/protocol.md §10): ids, EncodedContent, compression, codecs and their registry.
export type { CodecLookup, ContentCodec } from './codec';
export {
  compress,
  decompress,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  XMTP_JS_MAX_DECOMPRESSED_BYTES,
} from './compression';
export type { ContentTypeId } from './content-type-id';
export {
  contentTypeId,
  contentTypeKey,
  formatContentTypeId,
  parseContentTypeId,
  sameContentType,
} from './content-type-id';
export type { EncodedContent } from './encoded-content';
export { Compression, decodeEncodedContent, encodeEncodedContent } from './encoded-content';
export type {
  CodecRegistryOptions,
  DecodedContent,
  EncodeContentOptions,
  EncodedContentResult,
} from './registry';
export { CodecRegistry, MIN_COMPRESSIBLE_BYTES } from './registry';
export { createCodecRegistry, STANDARD_CODECS } from './standard-codecs';
export type { Attachment } from './codecs/attachment';
export { attachmentCodec, attachmentFallback, ContentTypeAttachment } from './codecs/attachment';
export type { Composite } from './codecs/composite';
export { compositeCodec, ContentTypeComposite } from './codecs/composite';
export type { Reaction, ReactionAction, ReactionSchema } from './codecs/reaction';
export { ContentTypeReaction, reactionCodec } from './codecs/reaction';
export type { ReadReceipt } from './codecs/read-receipt';
export { ContentTypeReadReceipt, readReceiptCodec } from './codecs/read-receipt';
export type { EncryptedAttachment, RemoteAttachment } from './codecs/remote-attachment';
export {
  ContentTypeRemoteAttachment,
  decryptRemoteAttachment,
  encryptAttachment,
  fetchRemotePayload,
  isFetchableAttachmentUrl,
  MAX_REMOTE_PAYLOAD_BYTES,
  remoteAttachmentFor,
  loadRemoteAttachment,
  remoteAttachmentCodec,
} from './codecs/remote-attachment';
export type { Reply } from './codecs/reply';
export { ContentTypeReply, replyCodec } from './codecs/reply';
export { ContentTypeText, textCodec } from './codecs/text';
