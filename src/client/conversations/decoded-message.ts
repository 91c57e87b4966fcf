// Decoded messages (docs/client-api.md §5): one result per envelope, with `error` instead of content when the
// envelope cannot be read, so one bad envelope never sinks a page (docs/design.md §5.3).
import {
  contentTypeId,
  decodeEncodedContent,
  type ContentTypeId,
  type DecodedContent,
} from '@/protocol/content';
import { messageId } from '@/protocol/message';
import { decodeMessageV2, type V2ConversationKeys } from '@/protocol/message-v2';
import { errorInfo } from '@/client/errors';
import type { Envelope } from '@/client/api';
import type { Conversation } from './conversation';

export interface DecodedMessage {
  /** hex sha256 of the envelope message bytes (§7.1). */
  id: string;
  topic: string;
  /** '' when the envelope could not be read far enough to know the sender. */
  senderAddress: string;
  sent: Date;
  contentType: ContentTypeId;
  /** undefined when `error` is set. */
  content: unknown;
  fallback?: string;
  error?: { code: string; message: string };
  /**
   * The content's parameters when its type has no usable codec (`error` set, the bytes readable): what a
   * reader can still show, such as the `reference` of a reply whose nested type is unknown.
   */
  parameters?: Record<string, string>;
  conversation: Conversation;
}

/** Content type of a message that could not be decrypted or decoded at all. */
export const ContentTypeUndecodable = contentTypeId('xmtp-inbox.local', 'undecodable', 0, 0);

const NS_PER_MS = 1_000_000n;

export function nsToDate(ns: bigint): Date {
  return new Date(Number(ns / NS_PER_MS));
}

/** What a conversation's decoder produced from a readable envelope. */
export interface OpenedPayload {
  senderAddress: string;
  sentNs: bigint;
  /** The encoded EncodedContent. */
  payload: Uint8Array;
}

/** A V2 message opened with its conversation's keys (every check of decodeMessageV2; throws what it throws). */
export async function openPayloadV2(keys: V2ConversationKeys, message: Uint8Array): Promise<OpenedPayload> {
  const { senderAddress, createdNs, payload } = await decodeMessageV2(message, keys);
  return { senderAddress, sentNs: createdNs, payload };
}

/** Decodes the content of an opened payload into a DecodedMessage (codec errors become `error`). */
export function buildMessage(
  conversation: Conversation,
  codecs: { decodeContent(bytes: Uint8Array): DecodedContent },
  envelope: Envelope,
  opened: OpenedPayload,
): DecodedMessage {
  const base = {
    id: messageId(envelope.message),
    topic: conversation.topic,
    senderAddress: opened.senderAddress,
    sent: nsToDate(opened.sentNs),
    conversation,
  };
  try {
    const decoded = codecs.decodeContent(opened.payload);
    const message: DecodedMessage = { ...base, contentType: decoded.contentType, content: decoded.content };
    if (decoded.fallback !== undefined) message.fallback = decoded.fallback;
    if (decoded.error) {
      message.content = undefined;
      message.error = errorInfo(decoded.error);
      message.parameters = decoded.encoded.parameters;
    }
    return message;
  } catch (error) {
    const message: DecodedMessage = {
      ...base,
      contentType: ContentTypeUndecodable,
      content: undefined,
      error: errorInfo(error),
    };
    // Content its codec rejects may still carry the sender's fallback text: keep it to show instead.
    const fallback = readableFallback(opened.payload);
    if (fallback !== undefined) message.fallback = fallback;
    return message;
  }
}

function readableFallback(payload: Uint8Array): string | undefined {
  try {
    return decodeEncodedContent(payload).fallback;
  } catch {
    return undefined;
  }
}

/** The result for an envelope that could not be opened (bad signature, wrong key, garbage). */
export function failedMessage(
  conversation: Conversation,
  envelope: Envelope,
  error: unknown,
): DecodedMessage {
  return {
    id: messageId(envelope.message),
    topic: conversation.topic,
    senderAddress: '',
    sent: nsToDate(envelope.timestampNs),
    contentType: ContentTypeUndecodable,
    content: undefined,
    error: errorInfo(error),
    conversation,
  };
}
