// The sync page codec (src/network/sync/page-codec.ts) against the relay's envelope codec and the generated
// protobuf code: the same bytes either way, the same envelopes kept, malformed lists refused whole.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import Long from 'long';
import { decodeEnvelope, encodeEnvelope, withinLimits } from '@/network/p2p/envelope-codec';
import { MAX_MESSAGE_BYTES } from '@/network/limits/sizes';
import type { StoredEnvelope } from '@/network/store/store';
import { decodeEnvelopeList, encodeEnvelopeFrames } from '@/network/sync/page-codec';
import { MAX_RESTRICTED_FUTURE_MS } from '@/network/topics';
import { xmtp } from '@/protocol/gen/xmtp';

const NOW_MS = 1_800_000_000_000;
const digest = new Uint8Array(32);
const bytes = (n: number): Uint8Array => Uint8Array.from(randomBytes(n));

function stored(contentTopic: string, timestampNs: bigint, message: Uint8Array): StoredEnvelope {
  return { contentTopic, timestampNs, message, digest };
}

/** The list as the relay codec would frame it: each envelope as field 1 of a QueryResponse. */
function generatedList(envelopes: StoredEnvelope[]): Uint8Array {
  const response = xmtp.message_api.v1.QueryResponse.encode({
    envelopes: envelopes.map((e) => ({
      contentTopic: e.contentTopic,
      timestampNs: Long.fromString(e.timestampNs.toString(), true),
      message: e.message,
    })),
  }).finish();
  return Uint8Array.from(response);
}

const varied: StoredEnvelope[] = [
  stored('/xmtp/0/m-abc/proto', 1_718_000_000_123_456_789n, new Uint8Array([1, 2, 3])),
  stored('/xmtp/0/ünïcode/proto', 0n, new Uint8Array(0)),
  stored('', 127n, new Uint8Array(70_000).fill(7)),
  stored('/xmtp/0/m-abc/proto', 128n, bytes(300)),
  stored('/xmtp/0/m-def/proto', (1n << 56n) - 1n, bytes(1)),
  stored('/xmtp/0/m-def/proto', 1n << 56n, bytes(2)),
  stored('/xmtp/0/m-def/proto', (1n << 63n) - 1n, bytes(3)),
  stored('/xmtp/0/m-def/proto', 2n ** 28n - 1n, bytes(4)),
  stored('/xmtp/0/m-def/proto', 2n ** 28n, bytes(5)),
];

describe('sync page codec', () => {
  it('writes the bytes of the generated QueryResponse code, in frames of the target size', () => {
    const [one] = encodeEnvelopeFrames(varied, 0x01, 1 << 30);
    expect(Buffer.from(one!.subarray(1)).toString('hex')).toBe(
      Buffer.from(generatedList(varied)).toString('hex'),
    );
    expect(one![0]).toBe(0x01);
    // Small frames: each holds whole envelopes, and together they hold the same list.
    const frames = encodeEnvelopeFrames(varied, 0x01, 400);
    expect(frames.length).toBeGreaterThan(3);
    const joined = Buffer.concat(frames.map((f) => f.subarray(1)));
    expect(joined.toString('hex')).toBe(Buffer.from(generatedList(varied)).toString('hex'));
    for (const frame of frames)
      expect(decodeEnvelopeList(frame.subarray(1), NOW_MS).envelopes.length).toBeGreaterThan(0);
  });

  it('leaves out the envelopes not included', () => {
    const [frame] = encodeEnvelopeFrames(varied, 0x01, 1 << 30, (i) => i % 2 === 1);
    const { envelopes } = decodeEnvelopeList(frame!.subarray(1), NOW_MS);
    expect(envelopes.map((e) => e.timestampNs)).toEqual(
      varied.filter((_, i) => i % 2 === 1).map((e) => e.timestampNs),
    );
    expect(encodeEnvelopeFrames(varied, 0x01, 1 << 30, () => false)).toEqual([]);
  });

  it('decodes like the relay codec, unknown fields skipped, without digests', () => {
    const list = generatedList(varied);
    const { envelopes, dropped } = decodeEnvelopeList(list, NOW_MS);
    expect(dropped).toBe(0);
    expect(envelopes).toEqual(
      varied.map((e) => ({ contentTopic: e.contentTopic, timestampNs: e.timestampNs, message: e.message })),
    );
    for (const e of envelopes) expect(e.digest).toBeUndefined();
    // Unknown fields (varint, length-delimited, fixed64, fixed32, a field number above 15) and a padded key
    // for the topic decode as the relay codec decodes them.
    const extra = Uint8Array.from([
      ...encodeEnvelope({ contentTopic: '/t', timestampNs: 5n, message: new Uint8Array([9]) }),
      0x20,
      0x96,
      0x01,
      0x2a,
      0x02,
      0xff,
      0xff,
      0x31,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      0x3d,
      1,
      2,
      3,
      4,
      0xa2,
      0x06,
      0x01,
      0x00,
      0x8a,
      0x00,
      0x02,
      0x2f,
      0x75,
    ]);
    const framed = Uint8Array.from([0x0a, extra.length, ...extra]);
    expect(decodeEnvelopeList(framed, NOW_MS).envelopes).toEqual([decodeEnvelope(extra)]);
    expect(decodeEnvelope(extra).contentTopic).toBe('/u');
  });

  it('drops what the publish API refuses, as withinLimits does, and keeps the rest', () => {
    const restricted = '/xmtp/0/contact-0x1234/proto';
    const aheadNs = BigInt(NOW_MS + MAX_RESTRICTED_FUTURE_MS + 1000) * 1_000_000n;
    const cases: StoredEnvelope[] = [
      stored('/xmtp/0/' + 'x'.repeat(300) + '/proto', 1n, new Uint8Array(1)),
      stored('/xmtp/0/m-big/proto', 1n, new Uint8Array(MAX_MESSAGE_BYTES + 1)),
      stored('/xmtp/0/m-late/proto', 1n << 63n, new Uint8Array(1)),
      stored(restricted, aheadNs, new Uint8Array(1)),
      stored(restricted, 1n, new Uint8Array(1)),
      stored('/xmtp/0/m-ahead/proto', aheadNs, new Uint8Array(1)),
      stored('/xmtp/0/m-ok/proto', 2n, new Uint8Array(2)),
    ];
    const { envelopes, dropped } = decodeEnvelopeList(generatedList(cases), NOW_MS);
    const kept = cases.filter((e) => withinLimits(e, NOW_MS));
    expect(kept.length).toBe(3);
    expect(dropped).toBe(cases.length - kept.length);
    expect(envelopes.map((e) => [e.contentTopic, e.timestampNs])).toEqual(
      kept.map((e) => [e.contentTopic, e.timestampNs]),
    );
  });

  it('refuses a malformed list whole, with a clear error', () => {
    const good = generatedList(varied.slice(0, 2));
    const malformed: [string, Uint8Array][] = [
      ['not an envelope field', Uint8Array.from([...good, 0x12, 0x00])],
      ['truncated envelope', good.subarray(0, good.length - 1)],
      ['bad length', Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])],
      ['truncated topic', Uint8Array.from([0x0a, 0x03, 0x0a, 0x05, 0x41])],
      ['truncated message', Uint8Array.from([0x0a, 0x03, 0x1a, 0x05, 0x41])],
      ['bad varint', Uint8Array.from([0x0a, 0x0c, 0x10, ...new Array(11).fill(0xff)])],
      ['wire type 3', Uint8Array.from([0x0a, 0x01, 0x0b])],
      ['topic is not UTF-8', Uint8Array.from([0x0a, 0x04, 0x0a, 0x02, 0xc3, 0x28])],
      ['field beyond its envelope', Uint8Array.from([0x0a, 0x02, 0x31, 0x01, 0, 0, 0, 0, 0, 0, 0])],
    ];
    for (const [why, bytes] of malformed) {
      expect(() => decodeEnvelopeList(bytes, NOW_MS), why).toThrow(`sync: malformed envelope list (${why})`);
    }
  });
});
