import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '@/protocol/bytes';
import { Compression, ContentTypeText, decodeEncodedContent, encodeEncodedContent } from '@/protocol/content';
import { xmtp } from '@/protocol/gen/xmtp';

const hex = (s: string) => s.replace(/[\s|]/g, '');

describe('EncodedContent encoding', () => {
  it('writes fields in xmtp-js order: type, parameters, fallback, compression, content', () => {
    const bytes = encodeEncodedContent({
      type: ContentTypeText,
      parameters: { encoding: 'UTF-8' },
      fallback: 'fb',
      compression: Compression.Gzip,
      content: utf8('hi'),
    });
    expect(toHex(bytes)).toBe(
      hex(`0a12 0a08 ${toHex(utf8('xmtp.org'))} 1204 ${toHex(utf8('text'))} 1801
           1211 0a08 ${toHex(utf8('encoding'))} 1205 ${toHex(utf8('UTF-8'))}
           1a02 6662 | 2801 | 2202 6869`),
    );
    // protobufjs's generated encoder would put content (4) before compression (5).
    const generated = xmtp.message_contents.EncodedContent.encode({
      type: { ...ContentTypeText },
      parameters: { encoding: 'UTF-8' },
      fallback: 'fb',
      compression: 1,
      content: utf8('hi'),
    }).finish();
    expect(toHex(generated)).not.toBe(toHex(bytes));
    expect(toHex(generated).endsWith('220268692801')).toBe(true);
  });

  it('writes deflate (0) compression as 28 00 and omits unset optional fields', () => {
    const deflate = encodeEncodedContent({
      type: ContentTypeText,
      parameters: {},
      compression: Compression.Deflate,
      content: new Uint8Array([1]),
    });
    expect(toHex(deflate).endsWith('2800220101')).toBe(true);
    const plain = encodeEncodedContent({ type: ContentTypeText, parameters: {}, content: new Uint8Array(0) });
    expect(toHex(plain)).toBe(hex(`0a12 0a08 ${toHex(utf8('xmtp.org'))} 1204 ${toHex(utf8('text'))} 1801`));
  });

  it('writes an empty fallback, and omits empty keys and values inside a parameter entry, like ts-proto', () => {
    const bytes = encodeEncodedContent({
      type: { authorityId: 'a', typeId: 'b', versionMajor: 0, versionMinor: 0 },
      parameters: { k: '', '': 'v' },
      fallback: '',
      content: new Uint8Array(0),
    });
    expect(toHex(bytes)).toBe('0a060a016112016212030a016b12031201761a00');
  });

  it('round-trips through the generated decoder', () => {
    const original = {
      type: ContentTypeText,
      parameters: { encoding: 'UTF-8', __proto__x: '1' },
      fallback: 'shown elsewhere',
      compression: Compression.Deflate,
      content: utf8('content'),
    };
    const back = decodeEncodedContent(encodeEncodedContent(original));
    expect(back).toEqual(original);
  });

  it('keeps a __proto__ parameter as a plain parameter', () => {
    const back = decodeEncodedContent(
      encodeEncodedContent({
        type: ContentTypeText,
        parameters: Object.fromEntries([['__proto__', 'x']]),
        content: new Uint8Array(0),
      }),
    );
    expect(Object.getPrototypeOf(back.parameters)).toBe(Object.prototype);
    expect(Object.entries(back.parameters)).toEqual([['__proto__', 'x']]);
  });

  it('rejects bytes that are not an EncodedContent as malformed_content', () => {
    for (const bad of [
      new Uint8Array([0x0a, 0x05, 0x01]),
      new Uint8Array([0xff, 0xff, 0xff]),
      new Uint8Array([0x1a, 0x02, 0xc3, 0x28]),
    ]) {
      expect(() => decodeEncodedContent(bad)).toThrow(expect.objectContaining({ code: 'malformed_content' }));
    }
  });

  it('rejects EncodedContent without a content type', () => {
    expect(() => decodeEncodedContent(new Uint8Array([0x22, 0x01, 0x41]))).toThrow(
      expect.objectContaining({ code: 'malformed_content', message: 'encoded content has no content type' }),
    );
  });

  it('rejects a parameter that is not a string', () => {
    expect(() =>
      encodeEncodedContent({
        type: ContentTypeText,
        parameters: { n: 1 as unknown as string },
        content: new Uint8Array(0),
      }),
    ).toThrow(expect.objectContaining({ code: 'invalid_content' }));
  });
});
