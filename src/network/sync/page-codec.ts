// The envelope list of a sync page's 0x01 frames (sync-protocol.ts): protobuf `repeated Envelope envelopes = 1`,
// each Envelope as in docs/protocol.md §1.3 (1 content_topic, 2 timestamp_ns, 3 message). The same bytes as
// envelope-codec.ts writes and reads for the relay, but a page at a time: a catch-up moves every envelope of
// a store through here, and in a profile of one (docs/benchmarks.md "History sync vs raw inserts") the
// generic codec's nested closures, BigInt varint loops and intermediate arrays (an encoded envelope, then
// its field, then the frame) were the largest part of both nodes' main threads. Here each frame is sized
// first and written into one buffer, a page's topics are encoded once each, and no digest is computed: the
// store computes it on insert (the SQLite writer thread hashes every envelope it stores anyway,
// sqlite-write-session.ts), so hashing here too was a second SHA-256 per envelope on the busiest thread.
import { MAX_MESSAGE_BYTES, MAX_TOPIC_BYTES } from '@/network/limits/sizes';
import { varintLength } from '@/network/p2p/envelope-codec';
import type { NewEnvelope } from '@/network/store/store';
import { isRestrictedTopic, stampedTooFarAhead } from '@/network/topics';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MASK = (1n << 64n) - 1n;

function varintSize(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

function writeVarint(out: Uint8Array, o: number, value: number): number {
  while (value >= 0x80) {
    out[o++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[o++] = value;
  return o;
}

function writeBigVarint(out: Uint8Array, o: number, value: bigint): number {
  // The low 56 bits as two numbers: seven BigInt shifts per timestamp cost more than the rest of the field.
  if (value < 1n << 56n) {
    let lo = Number(value & 0xfffffffn);
    const hi = Number(value >> 28n);
    for (let i = 0; i < 4; i++) {
      if (hi === 0 && lo < 0x80) break;
      out[o++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    if (hi === 0) {
      out[o++] = lo;
      return o;
    }
    // Four groups of 7 bits written: `lo` is used up, the rest is `hi`.
    return writeVarint(out, o, hi);
  }
  while (value >= 0x80n) {
    out[o++] = Number(value & 0x7fn) | 0x80;
    value >>= 7n;
  }
  out[o++] = Number(value);
  return o;
}

/** Encodes a page's envelopes (those `include` keeps) as 0x01 frames of about `targetBytes` of envelope list each. */
export function encodeEnvelopeFrames(
  envelopes: readonly NewEnvelope[],
  kind: number,
  targetBytes: number,
  include: (i: number) => boolean = () => true,
): Uint8Array[] {
  // Each distinct topic of the call once (a page's envelopes: at most 5,000).
  const topics = new Map<string, Uint8Array>();
  const frames: Uint8Array[] = [];
  const sizes: number[] = [];
  let from = 0;
  let frameBytes = 0;
  const flush = (to: number): void => {
    if (frameBytes === 0) return;
    const out = new Uint8Array(1 + frameBytes);
    out[0] = kind;
    let o = 1;
    for (let i = from; i < to; i++) {
      const size = sizes[i - from]!;
      if (size < 0) continue;
      const e = envelopes[i]!;
      const topic = topics.get(e.contentTopic)!;
      out[o++] = 0x0a;
      o = writeVarint(out, o, size);
      if (topic.length > 0) {
        out[o++] = 0x0a;
        o = writeVarint(out, o, topic.length);
        out.set(topic, o);
        o += topic.length;
      }
      if (e.timestampNs !== 0n) {
        out[o++] = 0x10;
        o = writeBigVarint(out, o, e.timestampNs);
      }
      if (e.message.length > 0) {
        out[o++] = 0x1a;
        o = writeVarint(out, o, e.message.length);
        out.set(e.message, o);
        o += e.message.length;
      }
    }
    frames.push(out);
    frameBytes = 0;
    sizes.length = 0;
  };
  for (let i = 0; i < envelopes.length; i++) {
    if (!include(i)) {
      sizes.push(-1);
      continue;
    }
    const e = envelopes[i]!;
    let topic = topics.get(e.contentTopic);
    if (!topic) {
      topic = textEncoder.encode(e.contentTopic);
      topics.set(e.contentTopic, topic);
    }
    // Proto3: default values (empty topic, zero timestamp, empty message) are left out.
    let size = 0;
    if (topic.length > 0) size += 1 + varintSize(topic.length) + topic.length;
    if (e.timestampNs !== 0n) size += 1 + varintLength(e.timestampNs);
    if (e.message.length > 0) size += 1 + varintSize(e.message.length) + e.message.length;
    const field = 1 + varintSize(size) + size;
    if (frameBytes > 0 && frameBytes + field > targetBytes) {
      flush(i);
      from = i;
    }
    sizes.push(size);
    frameBytes += field;
  }
  flush(envelopes.length);
  return frames;
}

/** What one frame's envelope list held: the envelopes within the publish limits, and how many were not. */
export interface DecodedEnvelopes {
  envelopes: NewEnvelope[];
  /** Envelopes beyond the publish limits (docs/protocol.md §13.1), left out. */
  dropped: number;
}

/**
 * Decodes an envelope list (the body of a 0x01 frame, after its kind byte). Malformed input (a bad tag,
 * varint or length, a topic that is not UTF-8, an unknown wire type) throws: the whole page is refused and
 * nothing of it is stored. Envelopes the publish API would refuse (envelope-codec.ts `withinLimits`: topic
 * or message too large, timestamp beyond int64, a restricted topic stamped too far ahead) are dropped and
 * counted. `body` must not change afterwards: the messages are views of it.
 */
export function decodeEnvelopeList(body: Uint8Array, nowMs = Date.now()): DecodedEnvelopes {
  const envelopes: NewEnvelope[] = [];
  let dropped = 0;
  let o = 0;
  const fail = (what: string): never => {
    throw new Error(`sync: malformed envelope list (${what})`);
  };
  /** A length varint (at most 2^35), as a number. */
  const length = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (o >= body.length || shift > 28) fail('bad length');
      const b = body[o++]!;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
  };
  while (o < body.length) {
    if (body[o++] !== 0x0a) fail('not an envelope field');
    const size = length();
    const end = o + size;
    if (end > body.length) fail('truncated envelope');
    let topicStart = 0;
    let topicEnd = 0;
    let timestampNs = 0n;
    let message: Uint8Array = new Uint8Array(0);
    while (o < end) {
      // Keys are one byte for fields 1 to 15; a longer one (another field, or ours padded) as a varint.
      const key = body[o]! < 0x80 ? body[o++]! : length();
      const field = key >>> 3;
      const wire = key & 7;
      if (field === 1 && wire === 2) {
        const n = length();
        topicStart = o;
        topicEnd = o + n;
        if (topicEnd > end) fail('truncated topic');
        o = topicEnd;
      } else if (field === 2 && wire === 0) {
        timestampNs = readUint64();
      } else if (field === 3 && wire === 2) {
        const n = length();
        if (o + n > end) fail('truncated message');
        message = body.subarray(o, o + n);
        o += n;
      } else skip(wire);
    }
    if (o !== end) fail('field beyond its envelope');
    const name = topicName(topicStart, topicEnd);
    // Only a topic with one of these beginnings can be restricted: the full rule parses the topic.
    const restricted =
      (name.startsWith('/xmtp/0/contact') || name.startsWith('/xmtp/0/privatestore')) &&
      isRestrictedTopic(name);
    const ok =
      topicEnd - topicStart <= MAX_TOPIC_BYTES &&
      message.length <= MAX_MESSAGE_BYTES &&
      timestampNs <= INT64_MAX &&
      !(restricted && stampedTooFarAhead(name, timestampNs, nowMs));
    if (ok) envelopes.push({ contentTopic: name, timestampNs, message });
    else dropped++;
  }
  return { envelopes, dropped };

  /** The topic at body[start, end); not UTF-8 throws. Mostly ASCII, which needs no checked decode. */
  function topicName(start: number, end: number): string {
    for (let i = start; i < end; i++) {
      if (body[i]! >= 0x80) {
        try {
          return textDecoder.decode(body.subarray(start, end));
        } catch {
          return fail('topic is not UTF-8');
        }
      }
    }
    return start === end ? '' : latin1(body, start, end);
  }

  function skip(wire: number): void {
    if (wire === 0) readUint64();
    else if (wire === 2) {
      const n = length();
      o += n;
    } else if (wire === 1) o += 8;
    else if (wire === 5) o += 4;
    else fail(`wire type ${wire}`);
    if (o > body.length) fail('truncated field');
  }

  /** A uint64 varint: the low 28 bits and the rest as numbers, joined once as a BigInt. */
  function readUint64(): bigint {
    let lo = 0;
    let hi = 0;
    for (let i = 0; ; i++) {
      if (o >= body.length || i > 9) fail('bad varint');
      const b = body[o++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else hi += (b & 0x7f) * 2 ** (7 * (i - 4));
      if (b < 0x80) break;
    }
    const value = hi === 0 ? BigInt(lo >>> 0) : (BigInt(hi) << 28n) | BigInt(lo >>> 0);
    return value & UINT64_MASK;
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}
