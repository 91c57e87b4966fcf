// The `Message` wrapper every conversation envelope carries (§7.1) and message ids.
import { toHex } from './bytes';
import { ProtocolError } from './errors';
import { xmtp } from './gen/xmtp';
import { sha256, sha256Async } from './hash';
import { decodeProto } from './keys';

import pb = xmtp.message_contents;

/** Message id = hex(sha256(envelope message bytes)) (§7.1). */
export function messageId(messageBytes: Uint8Array): string {
  return toHex(sha256(messageBytes));
}

/** Same as messageId, through WebCrypto for large messages. */
export async function messageIdAsync(messageBytes: Uint8Array): Promise<string> {
  return toHex(await sha256Async(messageBytes));
}

export type MessageVersion = { v1: pb.MessageV1; v2?: undefined } | { v1?: undefined; v2: pb.MessageV2 };

/** Decodes an envelope's `Message`; throws `malformed_protobuf` or `unknown_message_version`. */
export function decodeMessage(bytes: Uint8Array): MessageVersion {
  const message = decodeProto(pb.Message, bytes, 'Message');
  if (message.v1) return { v1: message.v1 as pb.MessageV1 };
  if (message.v2) return { v2: message.v2 as pb.MessageV2 };
  throw new ProtocolError('unknown_message_version', 'unknown message version');
}

// Hand-written length-delimited framing for the hot paths: it writes large payloads once, without
// protobufjs's intermediate writer. Field order and content match protobufjs/ts-proto output.

export function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

export function writeVarint(out: Uint8Array, offset: number, value: number): number {
  while (value >= 0x80) {
    out[offset++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[offset++] = value;
  return offset;
}

/** Size of a length-delimited field (tag < 16) holding `length` bytes. */
export function fieldLength(length: number): number {
  return 1 + varintLength(length) + length;
}

export function writeField(out: Uint8Array, offset: number, fieldNumber: number, bytes: Uint8Array): number {
  out[offset++] = (fieldNumber << 3) | 2;
  offset = writeVarint(out, offset, bytes.length);
  out.set(bytes, offset);
  return offset + bytes.length;
}

export function writeFieldHeader(
  out: Uint8Array,
  offset: number,
  fieldNumber: number,
  length: number,
): number {
  out[offset++] = (fieldNumber << 3) | 2;
  return writeVarint(out, offset, length);
}
