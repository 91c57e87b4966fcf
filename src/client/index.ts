// Public API of the client library (docs/client-api.md).
export { Client, type ClientOptions } from './client';
export { ClientError } from './errors';
export { MemoryPersistence, PrefixedPersistence, type Persistence } from './persistence';
export type { Stream } from './stream';
export type { Signer } from '@/protocol/identity';
export type { ContentCodec, ContentTypeId } from '@/protocol/content';
export {
  Conversation,
  ConversationV1,
  ConversationV2,
  type MessagesOptions,
  type SendOptions,
} from './conversations/conversation';
export { Conversations } from './conversations/conversations';
export { ContentTypeUndecodable, type DecodedMessage } from './conversations/decoded-message';
export type { ClientStats } from './conversations/core';
export {
  INLINE_ATTACHMENT_MAX_BYTES,
  isAttachment,
  uploadPayload,
  type AttachmentProgress,
  type AttachmentStage,
  type UploadProgress,
  type PreparedAttachment,
} from './attachments';
