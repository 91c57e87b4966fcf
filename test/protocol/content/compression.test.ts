import { gzipSync, zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { equalBytes, toHex } from '@/protocol/bytes';
import { Compression, compress, decompress, DEFAULT_MAX_DECOMPRESSED_BYTES } from '@/protocol/content';

// Deterministic, poorly compressible bytes.
function noise(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = 0x12345678;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('compression', () => {
  it('deflates 55 bytes of 0x2a to the zlib bytes of xmtp-js Compression.test.ts', async () => {
    const compressed = await compress(new Uint8Array(55).fill(0x2a), Compression.Deflate);
    expect(toHex(compressed)).toBe('789cd3d2220b0000fcdf0907');
    expect(decompress(compressed, Compression.Deflate, 1000)).toEqual(new Uint8Array(55).fill(0x2a));
  });

  it('fails with content_too_large when 111 bytes inflate into a 100-byte cap', async () => {
    const compressed = await compress(new Uint8Array(111).fill(42), Compression.Deflate);
    expect(() => decompress(compressed, Compression.Deflate, 100)).toThrow(
      expect.objectContaining({
        code: 'content_too_large',
        message: expect.stringMatching(/^maximum output size exceeded/),
      }),
    );
    // Exactly at the cap is fine, as in xmtp-js (`end > maxSize` fails).
    expect(decompress(compressed, Compression.Deflate, 111)).toHaveLength(111);
  });

  it('uses the zlib container for deflate and RFC 1952 for gzip', async () => {
    const data = noise(3000);
    const zlib = await compress(data, Compression.Deflate);
    const gzip = await compress(data, Compression.Gzip);
    expect(zlib[0]).toBe(0x78);
    expect([gzip[0], gzip[1], gzip[2]]).toEqual([0x1f, 0x8b, 8]);
    expect(equalBytes(decompress(zlib, Compression.Deflate), data)).toBe(true);
    expect(equalBytes(decompress(gzip, Compression.Gzip), data)).toBe(true);
  });

  it.each([0, 1, 9, 1000, 70_000, 300_000])(
    'round-trips %i bytes both ways, also from another compressor',
    async (n) => {
      const data = noise(n);
      for (const kind of [Compression.Deflate, Compression.Gzip]) {
        expect(equalBytes(decompress(await compress(data, kind), kind, n), data)).toBe(true);
      }
      expect(equalBytes(decompress(zlibSync(data, { level: 9 }), Compression.Deflate, n), data)).toBe(true);
      // A gzip header with a file name and which CompressionStream never writes.
      const named = gzipSync(data, { filename: 'notes.txt', mtime: 0 });
      expect(equalBytes(decompress(named, Compression.Gzip, n), data)).toBe(true);
    },
  );

  it('rejects a decompression bomb under the default cap', async () => {
    const bomb = await compress(new Uint8Array(20_000_000), Compression.Gzip);
    expect(bomb.length).toBeLessThan(25_000);
    expect(() => decompress(bomb, Compression.Gzip, 1000)).toThrow(
      expect.objectContaining({ code: 'content_too_large' }),
    );
    expect(() => decompress(bomb, Compression.Gzip)).toThrow(/maximum output size exceeded/);
    expect(decompress(bomb, Compression.Gzip, 20_000_000)).toHaveLength(20_000_000);
  });

  it('has a default cap of 16 MiB', () => {
    expect(DEFAULT_MAX_DECOMPRESSED_BYTES).toBe(16 * 1024 * 1024);
  });

  it('rejects a corrupted checksum, a bad header and a truncated stream', async () => {
    const data = noise(500);
    const zlib = await compress(data, Compression.Deflate);
    const gzip = await compress(data, Compression.Gzip);
    const flip = (bytes: Uint8Array, at: number) => {
      const copy = bytes.slice();
      copy[at < 0 ? copy.length + at : at]! ^= 1;
      return copy;
    };
    const invalid = expect.objectContaining({ code: 'invalid_compression' });
    expect(() => decompress(flip(zlib, -1), Compression.Deflate)).toThrow(/Adler-32/);
    expect(() => decompress(flip(gzip, -8), Compression.Gzip)).toThrow(/CRC-32/);
    expect(() => decompress(flip(gzip, -1), Compression.Gzip)).toThrow(/length/);
    expect(() => decompress(flip(zlib, 0), Compression.Deflate)).toThrow(invalid);
    expect(() => decompress(flip(gzip, 0), Compression.Gzip)).toThrow(invalid);
    expect(() => decompress(zlib.subarray(0, 40), Compression.Deflate)).toThrow(invalid);
    expect(() => decompress(gzip, Compression.Deflate)).toThrow(invalid);
    expect(() => decompress(new Uint8Array([1, 2]), Compression.Gzip)).toThrow(invalid);
  });

  it('rejects an unknown compression algorithm', async () => {
    expect(() => decompress(new Uint8Array(20), 7 as Compression)).toThrow(
      expect.objectContaining({ code: 'unsupported_compression' }),
    );
    await expect(compress(new Uint8Array(20), 2 as Compression)).rejects.toThrow(
      expect.objectContaining({ code: 'unsupported_compression' }),
    );
  });
});
