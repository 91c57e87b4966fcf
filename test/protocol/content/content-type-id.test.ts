import { describe, expect, it } from 'vitest';
import {
  contentTypeId,
  contentTypeKey,
  ContentTypeText,
  formatContentTypeId,
  parseContentTypeId,
  sameContentType,
} from '@/protocol/content';

describe('content type ids', () => {
  it('parses and formats authority/type:major.minor', () => {
    const id = parseContentTypeId('xmtp.org/text:1.0');
    expect(id).toEqual({ authorityId: 'xmtp.org', typeId: 'text', versionMajor: 1, versionMinor: 0 });
    expect(formatContentTypeId(id)).toBe('xmtp.org/text:1.0');
    expect(formatContentTypeId(parseContentTypeId('xmtp.org/remoteStaticAttachment:12.34'))).toBe(
      'xmtp.org/remoteStaticAttachment:12.34',
    );
  });

  it('keys the registry by authority/type only', () => {
    expect(contentTypeKey(parseContentTypeId('xmtp.org/reply:3.1'))).toBe('xmtp.org/reply');
  });

  it('treats ids of the same authority and type as the same type whatever the version', () => {
    expect(sameContentType(ContentTypeText, parseContentTypeId('xmtp.org/text:2.7'))).toBe(true);
    expect(sameContentType(ContentTypeText, parseContentTypeId('example.com/text:1.0'))).toBe(false);
    expect(sameContentType(ContentTypeText, parseContentTypeId('xmtp.org/reply:1.0'))).toBe(false);
  });

  it.each([
    'xmtp.org/text',
    'xmtp.org:1.0',
    '/text:1.0',
    'xmtp.org/:1.0',
    'a/b/c:1.0',
    'a/b:1',
    'a/b:-1.0',
    'a/b:1.0.0',
    'a/b:x.0',
    'a/b:99999999999.0',
  ])('rejects the malformed content type %j', (text) => {
    expect(() => parseContentTypeId(text)).toThrow(expect.objectContaining({ code: 'invalid_content_type' }));
  });

  it('rejects versions outside uint32 when building an id', () => {
    expect(() => contentTypeId('a', 'b', 2 ** 32, 0)).toThrow(/major version/);
    expect(() => contentTypeId('a', 'b', 1, 0.5)).toThrow(/minor version/);
  });
});
