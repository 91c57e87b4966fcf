// EncodedContent on the wire (docs/protocol.md §10.1), written in xmtp-js's byte order.
import protobuf from 'protobufjs/minimal.js';
import { ProtocolError } from '@/protocol/errors';
import { xmtp } from '@/protocol/gen/xmtp';
import type { ContentTypeId } from './content-type-id';

/** `xmtp.message_contents.Compression`. */
export enum Compression {
  Deflate = 0,
  Gzip = 1,
}

/** A content value encoded by its codec, before or after compression. */
export interface EncodedContent {
  type: ContentTypeId;
  parameters: Record<string, string>;
  fallback?: string;
  compression?: Compression;
  content: Uint8Array;
}

type Writer = protobuf.Writer;

function writeParameters(parameters: Record<string, string>, writer: Writer): void {
  // Insertion order, as ts-proto iterates Object.entries; inside an entry ts-proto omits an empty
  // key or value (proto3 default), so we do too.
  for (const [key, value] of Object.entries(parameters)) {
    if (typeof value !== 'string') {
      throw new ProtocolError('invalid_content', `content parameter ${JSON.stringify(key)} is not a string`);
    }
    writer.uint32(18).fork();
    if (key !== '') writer.uint32(10).string(key);
    if (value !== '') writer.uint32(18).string(value);
    writer.ldelim();
  }
}

/** Writes `encoded` as a length-delimited-ready message body onto `writer`. */
export function writeEncodedContent(encoded: EncodedContent, writer: Writer): Writer {
  const { type } = encoded;
  // ts-proto writes fields in declaration order: type(1), parameters(2), fallback(3),
  // compression(5), content(4). Senders sign these bytes, so the order is part of the wire.
  xmtp.message_contents.ContentTypeId.encode(
    {
      authorityId: type.authorityId,
      typeId: type.typeId,
      versionMajor: type.versionMajor,
      versionMinor: type.versionMinor,
    },
    writer.uint32(10).fork(),
  ).ldelim();
  writeParameters(encoded.parameters, writer);
  if (encoded.fallback !== undefined) writer.uint32(26).string(encoded.fallback);
  // `optional` field: 0 (deflate) is present on the wire as `28 00`.
  if (encoded.compression !== undefined) writer.uint32(40).int32(encoded.compression);
  if (encoded.content.length !== 0) writer.uint32(34).bytes(encoded.content);
  return writer;
}

/**
 * protobufjs hands out Node Buffers in Node (pooled, and serialized differently): give callers
 * plain Uint8Arrays in every runtime.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Encodes with xmtp-js's byte order (type, parameters, fallback, compression, content). */
export function encodeEncodedContent(encoded: EncodedContent): Uint8Array {
  // A copy, so the result does not share Node's Buffer pool.
  return new Uint8Array(writeEncodedContent(encoded, protobuf.Writer.create()).finish());
}

/** Converts a decoded generated message into our plain shape; rejects a missing type. */
export function fromGenerated(message: xmtp.message_contents.EncodedContent.$Properties): EncodedContent {
  const type = message.type;
  if (!type) throw new ProtocolError('malformed_content', 'encoded content has no content type');
  const encoded: EncodedContent = {
    type: {
      authorityId: type.authorityId ?? '',
      typeId: type.typeId ?? '',
      versionMajor: type.versionMajor ?? 0,
      versionMinor: type.versionMinor ?? 0,
    },
    // fromEntries defines own properties, so a `__proto__` key stays a plain parameter.
    parameters: Object.fromEntries(Object.entries(message.parameters ?? {})),
    content: message.content ? plainBytes(message.content) : new Uint8Array(0),
  };
  if (message.fallback != null) encoded.fallback = message.fallback;
  if (message.compression != null) encoded.compression = message.compression as number as Compression;
  return encoded;
}

/** Decodes EncodedContent bytes; anything that is not one is a `malformed_content` error. */
export function decodeEncodedContent(bytes: Uint8Array): EncodedContent {
  let message: xmtp.message_contents.EncodedContent;
  try {
    message = xmtp.message_contents.EncodedContent.decode(bytes);
  } catch (cause) {
    throw new ProtocolError(
      'malformed_content',
      `invalid encoded content (${bytes.length} bytes): ${(cause as Error).message}`,
      { cause },
    );
  }
  return fromGenerated(message);
}
