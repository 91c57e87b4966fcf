import { execFileSync } from 'node:child_process';
import Long from 'long';
import { describe, expect, it } from 'vitest';
import { xmtp } from '@/protocol/gen/xmtp';

describe('generated protobuf code', () => {
  it('is up to date with proto/', () => {
    // Throws (non-zero exit) when src/protocol/gen differs from a fresh generation.
    expect(() =>
      execFileSync(process.execPath, ['scripts/proto-gen.js', '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  }, 60_000);

  it('round-trips an envelope with a 64-bit nanosecond timestamp', () => {
    const ts = '1718000000000000123';
    const bytes = xmtp.message_api.v1.Envelope.encode({
      contentTopic: '/xmtp/0/contact-0xAbC/proto',
      timestampNs: Long.fromString(ts, true),
      message: new Uint8Array([1, 2, 3]),
    }).finish();
    const back = xmtp.message_api.v1.Envelope.decode(bytes);
    expect(back.timestampNs.toString()).toBe(ts);
    expect(Array.from(back.message)).toEqual([1, 2, 3]);
  });
});
