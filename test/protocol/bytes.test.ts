import { describe, expect, it } from 'vitest';
import {
  compareBytes,
  fromBase64,
  fromHex,
  fromUtf8,
  toBase64,
  toBase64Url,
  toHex,
  withScratch,
} from '@/protocol/bytes';

describe('bytes', () => {
  it('round-trips base64 of every length against Node', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const std = Buffer.from(bytes).toString('base64');
      expect(toBase64(bytes)).toBe(std);
      expect(toBase64Url(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
      expect(Array.from(fromBase64(std))).toEqual(Array.from(bytes));
      expect(Array.from(fromBase64(std.replace(/=+$/, '')))).toEqual(Array.from(bytes));
      expect(Array.from(fromBase64(toBase64Url(bytes)))).toEqual(Array.from(bytes));
    }
  });

  it('rejects malformed base64 with the offending character', () => {
    expect(() => fromBase64('ab$d')).toThrow('invalid base64 character "$" at 2');
    expect(() => fromBase64('abcde')).toThrow('invalid base64 length: 5');
    expect(() => fromBase64('a=bc')).toThrow(/invalid base64 character/);
  });

  it('parses hex with or without 0x and rejects junk', () => {
    expect(toHex(fromHex('0x00ff10'))).toBe('00ff10');
    expect(toHex(fromHex('ABcd'))).toBe('abcd');
    expect(() => fromHex('abc')).toThrow(/invalid hex/);
    expect(() => fromHex('zz')).toThrow(/invalid hex/);
  });

  it('decodes UTF-8 strictly', () => {
    expect(fromUtf8(new Uint8Array([0x68, 0x69]))).toBe('hi');
    expect(() => fromUtf8(new Uint8Array([0xff]))).toThrow('bytes are not valid UTF-8');
  });

  it('orders bytes like bytea', () => {
    expect(compareBytes(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBeLessThan(0);
    expect(compareBytes(new Uint8Array([1]), new Uint8Array([1, 0]))).toBeLessThan(0);
    expect(compareBytes(new Uint8Array([2]), new Uint8Array([1, 9]))).toBeGreaterThan(0);
  });

  it('lends a zeroed scratch buffer, wipes it after use, and never lends it twice at once', () => {
    let kept: Uint8Array | undefined;
    withScratch(1000, (buffer) => {
      expect(buffer.length).toBe(1000);
      expect(buffer.every((b) => b === 0)).toBe(true);
      buffer.fill(0xaa);
      kept = buffer;
      withScratch(10, (inner) => {
        expect(inner.buffer).not.toBe(buffer.buffer);
        expect(inner.every((b) => b === 0)).toBe(true);
      });
    });
    expect(kept!.every((b) => b === 0)).toBe(true);
    expect(() =>
      withScratch(5, (buffer) => {
        buffer.fill(1);
        kept = buffer;
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(kept!.every((b) => b === 0)).toBe(true);
    withScratch(3 * 1024 * 1024, (buffer) => expect(buffer.length).toBe(3 * 1024 * 1024));
  });
});
