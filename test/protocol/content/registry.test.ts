import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '@/protocol/bytes';
import type { ContentCodec } from '@/protocol/content';
import {
  CodecRegistry,
  Compression,
  contentTypeId,
  ContentTypeText,
  createCodecRegistry,
  decodeEncodedContent,
  encodeEncodedContent,
  parseContentTypeId,
  STANDARD_CODECS,
  textCodec,
} from '@/protocol/content';

// The custom type of xmtp-js's test helpers (ContentTypeTestKey.ts): not pushed, fixed fallback.
const ContentTypeTestKey = contentTypeId('xmtp.test', 'public-key', 1, 0);
const testKeyCodec: ContentCodec<Uint8Array> = {
  contentType: ContentTypeTestKey,
  encode: (key) => ({ type: ContentTypeTestKey, parameters: {}, content: key }),
  decode: (encoded) => encoded.content,
  fallback: () => 'publickey bundle',
  shouldPush: () => false,
};

// xmtp-js Client.test.ts "passes deflate compression option through properly": the text codec
// was handed a Uint8Array, which TextEncoder turned into its comma-separated decimal string.
const CLIENT_TEST_TEXT = String(utf8('hello world '.repeat(20)));
const CLIENT_TEST_PAYLOAD = [
  10, 18, 10, 8, 120, 109, 116, 112, 46, 111, 114, 103, 18, 4, 116, 101, 120, 116, 24, 1, 18, 17, 10, 8, 101,
  110, 99, 111, 100, 105, 110, 103, 18, 5, 85, 84, 70, 45, 56, 40, 0, 34, 48, 120, 156, 51, 52, 48, 209, 49,
  52, 48, 212, 49, 52, 176, 128, 96, 67, 67, 29, 99, 35, 29, 67, 67, 75, 48, 211, 208, 208, 4, 42, 101, 0, 22,
  30, 85, 61, 170, 122, 84, 53, 237, 85, 3, 0, 139, 43, 173, 229,
];

describe('codec registry', () => {
  const registry = new CodecRegistry({ codecs: [textCodec, testKeyCodec] });

  it('reproduces the deflate-compressed text payload of xmtp-js Client.test.ts byte for byte', async () => {
    const { bytes, encoded } = await registry.encodeContent(CLIENT_TEST_TEXT, ContentTypeText, {
      compression: Compression.Deflate,
    });
    expect(Array.from(bytes)).toEqual(CLIENT_TEST_PAYLOAD);
    expect(encoded.compression).toBe(Compression.Deflate);
    const decoded = registry.decodeContent(bytes);
    expect(decoded.content).toBe(CLIENT_TEST_TEXT);
    expect(decoded.error).toBeUndefined();
  });

  it('compresses only when asked and only content of at least 10 bytes', async () => {
    const nine = await registry.encodeContent('123456789', ContentTypeText, {
      compression: Compression.Gzip,
    });
    expect(nine.encoded.compression).toBeUndefined();
    expect(toHex(nine.encoded.content)).toBe(toHex(utf8('123456789')));
    const ten = await registry.encodeContent('1234567890', ContentTypeText, {
      compression: Compression.Gzip,
    });
    expect(ten.encoded.compression).toBe(Compression.Gzip);
    expect(registry.decodeContent(ten.bytes).content).toBe('1234567890');
    const uncompressed = await registry.encodeContent('x'.repeat(100), ContentTypeText);
    expect(uncompressed.encoded.compression).toBeUndefined();
    expect(toHex(uncompressed.bytes)).not.toContain('2800');
  });

  it('reports shouldPush from the codec: text true, the xmtp-js test key codec false', async () => {
    expect((await registry.encodeContent('hi', ContentTypeText)).shouldPush).toBe(true);
    const key = await registry.encodeContent(new Uint8Array([4, 1, 2]), ContentTypeTestKey);
    expect(key.shouldPush).toBe(false);
    expect(key.encoded.fallback).toBe('publickey bundle');
  });

  it('adds no fallback when the codec has none', async () => {
    const { encoded, bytes } = await registry.encodeContent('hi', ContentTypeText);
    expect('fallback' in encoded).toBe(false);
    expect(registry.decodeContent(bytes).fallback).toBeUndefined();
  });

  it('refuses to encode a type it has no codec for', async () => {
    await expect(registry.encodeContent('x', parseContentTypeId('example.com/poll:1.0'))).rejects.toThrow(
      expect.objectContaining({
        code: 'unknown_content_type',
        message: 'unknown content type example.com/poll:1.0',
      }),
    );
  });

  it('returns content of an unknown type with its fallback and an error instead of throwing', () => {
    const bytes = encodeEncodedContent({
      type: parseContentTypeId('example.com/poll:1.0'),
      parameters: {},
      fallback: 'A poll: do you like XMTP?',
      content: utf8('{"q":1}'),
    });
    const decoded = new CodecRegistry({ codecs: [textCodec] }).decodeContent(bytes);
    expect(decoded.content).toBeUndefined();
    expect(decoded.fallback).toBe('A poll: do you like XMTP?');
    expect(decoded.contentType).toEqual(parseContentTypeId('example.com/poll:1.0'));
    expect(decoded.error).toMatchObject({
      code: 'unknown_content_type',
      message: 'unknown content type example.com/poll:1.0',
    });
  });

  it('uses a codec for older and equal major versions but not for a newer major version', () => {
    const encode = (type: string) =>
      encodeEncodedContent({
        type: parseContentTypeId(type),
        parameters: { encoding: 'UTF-8' },
        fallback: 'fb',
        content: utf8('hey'),
      });
    expect(registry.decodeContent(encode('xmtp.org/text:0.9')).content).toBe('hey');
    expect(registry.decodeContent(encode('xmtp.org/text:1.7')).content).toBe('hey');
    const newer = registry.decodeContent(encode('xmtp.org/text:2.0'));
    expect(newer.content).toBeUndefined();
    expect(newer.fallback).toBe('fb');
    expect(newer.error?.code).toBe('unsupported_content_version');
    expect(registry.codecFor(parseContentTypeId('xmtp.org/text:2.0'))).toBeUndefined();
    expect(registry.codecFor(parseContentTypeId('xmtp.org/text:1.5'))).toBe(textCodec);
  });

  it('rejects compressed content that inflates past its cap with content_too_large', async () => {
    const small = new CodecRegistry({ codecs: [textCodec], maxDecompressedBytes: 1000 });
    const { bytes } = await small.encodeContent('a'.repeat(1001), ContentTypeText, {
      compression: Compression.Deflate,
    });
    expect(() => small.decodeContent(bytes)).toThrow(expect.objectContaining({ code: 'content_too_large' }));
    expect(small.decodeContent(bytes, { maxDecompressedBytes: 1001 }).content).toBe('a'.repeat(1001));
    expect(registry.decodeContent(bytes).content).toBe('a'.repeat(1001));
  });

  it('rejects malformed bytes with malformed_content', () => {
    expect(() => registry.decodeContent(new Uint8Array([0x0a, 0x7f, 0x00]))).toThrow(
      expect.objectContaining({ code: 'malformed_content' }),
    );
    expect(() => registry.decodeContent(utf8('not protobuf at all'))).toThrow(
      expect.objectContaining({ code: 'malformed_content' }),
    );
  });

  it('turns a plain Error from a codec into invalid_content', () => {
    const throwing: ContentCodec<Uint8Array> = {
      ...testKeyCodec,
      contentType: contentTypeId('xmtp.test', 'throws', 1, 0),
      decode: () => {
        throw new Error('boom');
      },
    };
    const reg = new CodecRegistry({ codecs: [throwing] });
    const bytes = encodeEncodedContent({
      type: throwing.contentType,
      parameters: {},
      content: new Uint8Array([1]),
    });
    expect(() => reg.decodeContent(bytes)).toThrow(
      expect.objectContaining({
        code: 'invalid_content',
        message: 'cannot decode xmtp.test/throws:1.0 content: boom',
      }),
    );
  });

  it('decodes to the received EncodedContent with its content decompressed', async () => {
    const { bytes } = await registry.encodeContent('z'.repeat(50), ContentTypeText, {
      compression: Compression.Gzip,
    });
    const { encoded } = registry.decodeContent(bytes);
    expect(encoded.compression).toBe(Compression.Gzip);
    expect(encoded.content).toEqual(utf8('z'.repeat(50)));
    expect(decodeEncodedContent(bytes).content).not.toEqual(utf8('z'.repeat(50)));
  });

  it('rejects a negative or fractional decompression cap', () => {
    expect(() => new CodecRegistry({ maxDecompressedBytes: -1 })).toThrow(/maxDecompressedBytes/);
    expect(() => new CodecRegistry({ maxDecompressedBytes: 1.5 })).toThrow(/maxDecompressedBytes/);
  });
});

describe('standard codec registry', () => {
  it('knows every standard xmtp.org type and lets extra codecs replace one', () => {
    const registry = createCodecRegistry();
    for (const type of [
      'text',
      'reply',
      'reaction',
      'readReceipt',
      'attachment',
      'remoteStaticAttachment',
      'composite',
    ]) {
      expect(registry.codecFor(parseContentTypeId(`xmtp.org/${type}:1.0`))?.contentType.typeId).toBe(type);
    }
    const shouting: ContentCodec<string> = { ...textCodec, fallback: () => 'LOUD' };
    const custom = createCodecRegistry({ codecs: [shouting], maxDecompressedBytes: 5 });
    expect(custom.codecFor(ContentTypeText)).toBe(shouting);
    expect(custom.maxDecompressedBytes).toBe(5);
    expect(STANDARD_CODECS).toHaveLength(7);
  });
});
