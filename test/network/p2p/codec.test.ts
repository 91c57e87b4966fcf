// The relay's envelope codec against the generated protobuf code (docs/protocol.md §1.3), the seen-cache
// bound, and the store scan history sync reads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Long from 'long';
import { decodeEnvelope, encodeEnvelope, withinLimits } from '@/network/p2p/envelope-codec';
import { SeenCache } from '@/network/p2p/seen-cache';
import { envelopeDigest } from '@/network/store/digest';
import { SqliteStore } from '@/network/store/sqlite';
import { xmtp } from '@/protocol/gen/xmtp';

const Envelope = xmtp.message_api.v1.Envelope;

describe('relay envelope codec', () => {
  const cases = [
    {
      contentTopic: '/xmtp/0/m-abc/proto',
      timestampNs: 1_718_000_000_123_456_789n,
      message: new Uint8Array([1, 2, 3]),
    },
    { contentTopic: '/xmtp/0/ünïcode/proto', timestampNs: 0n, message: new Uint8Array(0) },
    { contentTopic: '', timestampNs: 18_446_744_073_709_551_615n, message: new Uint8Array(70_000).fill(7) },
  ];

  it('encodes byte for byte like the generated Envelope code', () => {
    for (const c of cases) {
      const generated = Envelope.encode({
        contentTopic: c.contentTopic,
        timestampNs: Long.fromString(c.timestampNs.toString(), true),
        message: c.message,
      }).finish();
      expect(Buffer.from(encodeEnvelope(c)).toString('hex')).toBe(Buffer.from(generated).toString('hex'));
    }
  });

  it('decodes what the generated code encodes, skipping unknown fields', () => {
    for (const c of cases) {
      const bytes = Envelope.encode({
        contentTopic: c.contentTopic,
        timestampNs: Long.fromString(c.timestampNs.toString(), true),
        message: c.message,
      }).finish();
      // Field 9 (varint) and field 10 (bytes), unknown to Envelope.
      const extended = new Uint8Array([...bytes, 0x48, 0x05, 0x52, 0x02, 0xaa, 0xbb]);
      expect(decodeEnvelope(extended)).toEqual(c);
    }
  });

  it('rejects a truncated envelope', () => {
    const bytes = encodeEnvelope(cases[0]!);
    expect(() => decodeEnvelope(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
  });
});

describe('envelope limits for what peers send', () => {
  it('accepts what the publish API accepts and nothing more', () => {
    const ok = {
      contentTopic: '/xmtp/0/m-x/proto',
      timestampNs: (1n << 63n) - 1n,
      message: new Uint8Array(1_048_214),
    };
    expect(withinLimits(ok)).toBe(true);
    expect(withinLimits({ ...ok, timestampNs: 1n << 63n })).toBe(false);
    expect(withinLimits({ ...ok, message: new Uint8Array(1_048_215) })).toBe(false);
    expect(withinLimits({ ...ok, contentTopic: 'é'.repeat(151) })).toBe(false);
  });

  it('refuses contact and private-store envelopes stamped more than 15 minutes ahead (issue #21)', () => {
    const now = 1_800_000_000_000;
    const at = (minutes: number) => BigInt(now + minutes * 60_000) * 1_000_000n;
    const wallet = '0x2222222222222222222222222222222222222222';
    for (const topic of [`/xmtp/0/privatestore-${wallet}/key_bundle`, `/xmtp/0/contact-${wallet}/proto`]) {
      const envelope = { contentTopic: topic, timestampNs: at(0), message: new Uint8Array(3) };
      expect(withinLimits(envelope, now)).toBe(true);
      expect(withinLimits({ ...envelope, timestampNs: at(14) }, now)).toBe(true);
      expect(withinLimits({ ...envelope, timestampNs: at(16) }, now)).toBe(false);
    }
    expect(
      withinLimits(
        { contentTopic: '/xmtp/0/m-x/proto', timestampNs: at(60 * 24), message: new Uint8Array(3) },
        now,
      ),
    ).toBe(true);
  });
});

describe('seen-cache', () => {
  it('remembers at most its capacity, forgetting the oldest first', () => {
    const seen = new SeenCache(3);
    expect(['a', 'b', 'c', 'a'].map((k) => seen.add(k))).toEqual([true, true, true, false]);
    seen.add('d');
    expect(seen.size).toBe(3);
    expect(seen.has('a')).toBe(false);
    expect(seen.has('d')).toBe(true);
  });
});

describe('SQLite store scan', () => {
  // A file per test: the store's writer thread opens the database by its path.
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'xmtp-scan-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const envelope = (i: number) => {
    const message = new TextEncoder().encode(`scan ${i}`);
    const contentTopic = `/xmtp/0/m-scan-${i % 3}/proto`;
    return {
      contentTopic,
      timestampNs: BigInt(1000 - i),
      message,
      digest: envelopeDigest(contentTopic, message),
    };
  };

  it('pages through every envelope in insertion order and resumes from a position', async () => {
    const store = new SqliteStore(join(dir, 'envelopes.db'));
    const all = Array.from({ length: 25 }, (_, i) => envelope(i));
    await store.insert(all.slice(0, 20));
    await store.insert([all[3]!, ...all.slice(20)]); // a duplicate is not scanned twice
    const seen: string[] = [];
    let position: string | undefined;
    for (;;) {
      const page = await store.scan(position, 7);
      seen.push(...page.envelopes.map((e) => new TextDecoder().decode(e.message)));
      position = page.position;
      if (page.envelopes.length < 7) break;
    }
    expect(seen).toEqual(all.map((_, i) => `scan ${i}`));
    const empty = await store.scan(position, 7);
    expect(empty).toEqual({ envelopes: [], position, restarted: false });
    await store.close();
  });

  it('starts over when the position lies past its end (a replaced store)', async () => {
    const store = new SqliteStore(join(dir, 'envelopes.db'));
    await store.insert([envelope(1), envelope(2)]);
    const page = await store.scan('999', 10);
    expect(page.restarted).toBe(true);
    expect(page.envelopes).toHaveLength(2);
    await store.close();
  });
});
