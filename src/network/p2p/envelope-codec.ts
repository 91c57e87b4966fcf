// Envelopes between nodes travel as the encoded protobuf `xmtp.message_api.v1.Envelope` (docs/protocol.md
// §1.3: 1 content_topic string, 2 timestamp_ns uint64, 3 message bytes). Written by hand because it is
// the relay's hot path and uint64 stays a bigint; test/network/p2p checks it against the generated code.
import { MAX_MESSAGE_BYTES, MAX_TOPIC_BYTES } from '@/network/limits/sizes';
import type { RelayEnvelope } from '@/network/relay';
import { stampedTooFarAhead } from '@/network/topics';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Bytes of `value` as a protobuf varint. */
export function varintLength(value: bigint): number {
  let n = 1;
  while (value >= 0x80n) {
    value >>= 7n;
    n++;
  }
  return n;
}

function writeVarint(out: Uint8Array, offset: number, value: bigint): number {
  while (value >= 0x80n) {
    out[offset++] = Number(value & 0x7fn) | 0x80;
    value >>= 7n;
  }
  out[offset++] = Number(value);
  return offset;
}

/** Proto3 encoding; default values (empty topic, zero timestamp, empty message) are omitted. */
export function encodeEnvelope(envelope: RelayEnvelope): Uint8Array {
  const topic = textEncoder.encode(envelope.contentTopic);
  const ts = envelope.timestampNs;
  let size = 0;
  if (topic.length > 0) size += 1 + varintLength(BigInt(topic.length)) + topic.length;
  if (ts !== 0n) size += 1 + varintLength(ts);
  if (envelope.message.length > 0) {
    size += 1 + varintLength(BigInt(envelope.message.length)) + envelope.message.length;
  }
  const out = new Uint8Array(size);
  let o = 0;
  if (topic.length > 0) {
    out[o++] = 0x0a;
    o = writeVarint(out, o, BigInt(topic.length));
    out.set(topic, o);
    o += topic.length;
  }
  if (ts !== 0n) {
    out[o++] = 0x10;
    o = writeVarint(out, o, ts);
  }
  if (envelope.message.length > 0) {
    out[o++] = 0x1a;
    o = writeVarint(out, o, BigInt(envelope.message.length));
    out.set(envelope.message, o);
  }
  return out;
}

/** Decodes an Envelope; unknown fields are skipped. Throws on truncated or malformed input. */
export function decodeEnvelope(bytes: Uint8Array): RelayEnvelope {
  let o = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (o >= bytes.length || shift > 63n) throw new Error('malformed envelope: bad varint');
      const b = bytes[o++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
  };
  const chunk = (): Uint8Array => {
    const length = Number(varint());
    if (o + length > bytes.length) throw new Error('malformed envelope: truncated field');
    const part = bytes.subarray(o, o + length);
    o += length;
    return part;
  };
  let contentTopic = '';
  let timestampNs = 0n;
  let message: Uint8Array = new Uint8Array(0);
  while (o < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (field === 1 && wire === 2) contentTopic = textDecoder.decode(chunk());
    else if (field === 2 && wire === 0) timestampNs = varint() & 0xffffffffffffffffn;
    else if (field === 3 && wire === 2) message = chunk();
    else if (wire === 0) varint();
    else if (wire === 2) chunk();
    else if (wire === 1) o += 8;
    else if (wire === 5) o += 4;
    else throw new Error(`malformed envelope: wire type ${wire}`);
  }
  if (o > bytes.length) throw new Error('malformed envelope: truncated field');
  return { contentTopic, timestampNs, message };
}

/** Stores keep timestamps as int64; the publish API refuses larger ones. */
const INT64_MAX = (1n << 63n) - 1n;

/**
 * What the publish API would accept (docs/protocol.md §13.1), the restricted-topic timestamp rule included. An
 * envelope from a peer (gossip or sync) that fails this is dropped, so it can never sink the store batch it would
 * be part of, nor shadow a wallet's contact or private-store bundle.
 */
export function withinLimits(envelope: RelayEnvelope, nowMs = Date.now()): boolean {
  return (
    Buffer.byteLength(envelope.contentTopic, 'utf8') <= MAX_TOPIC_BYTES &&
    envelope.message.length <= MAX_MESSAGE_BYTES &&
    envelope.timestampNs <= INT64_MAX &&
    !stampedTooFarAhead(envelope.contentTopic, envelope.timestampNs, nowMs)
  );
}
