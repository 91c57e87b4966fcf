// The xmtp.org content types this project reads and sends (docs/protocol.md §10.2).
import type { ContentCodec } from './codec';
import { attachmentCodec } from './codecs/attachment';
import { compositeCodec } from './codecs/composite';
import { reactionCodec } from './codecs/reaction';
import { readReceiptCodec } from './codecs/read-receipt';
import { remoteAttachmentCodec } from './codecs/remote-attachment';
import { replyCodec } from './codecs/reply';
import { textCodec } from './codecs/text';
import type { CodecRegistryOptions } from './registry';
import { CodecRegistry } from './registry';

/** Text, reply, reaction, read receipt, attachment, remote attachment and composite. */
export const STANDARD_CODECS: readonly ContentCodec[] = Object.freeze([
  textCodec,
  replyCodec,
  reactionCodec,
  readReceiptCodec,
  attachmentCodec,
  remoteAttachmentCodec,
  compositeCodec,
]);

/** A registry with {@link STANDARD_CODECS} plus any `options.codecs` (which win on the same type). */
export function createCodecRegistry(options: CodecRegistryOptions = {}): CodecRegistry {
  return new CodecRegistry({ ...options, codecs: [...STANDARD_CODECS, ...(options.codecs ?? [])] });
}
