import { describe, expect, it } from 'vitest';
import { fromUtf8, toHex, utf8 } from '@/protocol/bytes';
import { sha256 } from '@/protocol/hash';
import type { Attachment, RemoteAttachment } from '@/protocol/content';
import {
  attachmentCodec,
  CodecRegistry,
  ContentTypeRemoteAttachment,
  decodeEncodedContent,
  decryptRemoteAttachment,
  encodeEncodedContent,
  encryptAttachment,
  fetchRemotePayload,
  formatContentTypeId,
  isFetchableAttachmentUrl,
  loadRemoteAttachment,
  remoteAttachmentCodec,
} from '@/protocol/content';

const registry = new CodecRegistry({ codecs: [attachmentCodec, remoteAttachmentCodec] });
const attachment: Attachment = {
  filename: 'report.pdf',
  mimeType: 'application/pdf',
  data: utf8('%PDF-1.7 …'),
};

async function uploaded(url = 'https://files.example/abc') {
  const encrypted = await encryptAttachment(attachment);
  const remote: RemoteAttachment = {
    url,
    contentDigest: encrypted.contentDigest,
    salt: encrypted.salt,
    nonce: encrypted.nonce,
    secret: encrypted.secret,
    scheme: 'https://',
    contentLength: attachment.data.length,
    filename: attachment.filename,
  };
  return { encrypted, remote };
}

describe('remote attachment codec', () => {
  it('is xmtp.org/remoteStaticAttachment:1.0', () => {
    expect(formatContentTypeId(ContentTypeRemoteAttachment)).toBe('xmtp.org/remoteStaticAttachment:1.0');
  });

  it('encrypts the attachment EncodedContent with a 32-byte secret and digests the payload', async () => {
    const { encrypted, remote } = await uploaded();
    expect(encrypted.secret).toHaveLength(32);
    expect(encrypted.salt).toHaveLength(32);
    expect(encrypted.nonce).toHaveLength(12);
    expect(encrypted.contentDigest).toBe(toHex(sha256(encrypted.payload)));
    expect(await decryptRemoteAttachment(remote, encrypted.payload, registry)).toEqual(attachment);
  });

  it('sends hex parameters and the URL as content, with the attachment fallback', async () => {
    const { remote } = await uploaded();
    const { encoded, shouldPush, bytes } = await registry.encodeContent(remote, ContentTypeRemoteAttachment);
    expect(Object.keys(encoded.parameters)).toEqual([
      'contentDigest',
      'salt',
      'nonce',
      'secret',
      'scheme',
      'contentLength',
      'filename',
    ]);
    expect(encoded.parameters.secret).toBe(toHex(remote.secret));
    expect(encoded.parameters.contentLength).toBe(String(attachment.data.length));
    expect(fromUtf8(encoded.content)).toBe(remote.url);
    expect(encoded.fallback).toBe('Can’t display "report.pdf". This app doesn’t support attachments.');
    expect(shouldPush).toBe(true);
    expect(registry.decodeContent(bytes).content).toEqual(remote);
  });

  it('refuses to send a non-https URL', async () => {
    const { remote } = await uploaded('http://files.example/abc');
    await expect(registry.encodeContent(remote, ContentTypeRemoteAttachment)).rejects.toThrow(
      expect.objectContaining({ code: 'invalid_content' }),
    );
  });

  it('rejects a payload whose digest does not match', async () => {
    const { encrypted, remote } = await uploaded();
    const tampered = encrypted.payload.slice();
    tampered[0]! ^= 1;
    await expect(decryptRemoteAttachment(remote, tampered, registry)).rejects.toThrow(
      expect.objectContaining({ code: 'content_digest_mismatch' }),
    );
  });

  it('fails to decrypt with the wrong secret', async () => {
    const { encrypted, remote } = await uploaded();
    await expect(
      decryptRemoteAttachment({ ...remote, secret: new Uint8Array(32) }, encrypted.payload, registry),
    ).rejects.toThrow(expect.objectContaining({ code: 'decryption_failed' }));
  });

  it('loads through the given fetch, and only from https', async () => {
    const { encrypted, remote } = await uploaded();
    const requested: string[] = [];
    const fetchFn = (async (url: string) => {
      requested.push(url);
      return new Response(encrypted.payload as Uint8Array<ArrayBuffer>);
    }) as typeof fetch;
    expect(await loadRemoteAttachment(remote, registry, fetchFn)).toEqual(attachment);
    expect(requested).toEqual([remote.url]);
    await expect(loadRemoteAttachment({ ...remote, url: 'http://x/y' }, registry, fetchFn)).rejects.toThrow(
      expect.objectContaining({ code: 'invalid_remote_attachment' }),
    );
    const missing = (async () => new Response('gone', { status: 404 })) as typeof fetch;
    await expect(loadRemoteAttachment(remote, registry, missing)).rejects.toThrow(
      expect.objectContaining({ code: 'remote_attachment_unavailable' }),
    );
  });

  it('rejects bad hex and a non-decimal contentLength', async () => {
    const { remote } = await uploaded();
    const { encoded } = await registry.encodeContent(remote, ContentTypeRemoteAttachment);
    for (const [name, value] of [
      ['salt', 'zz'],
      ['contentLength', '12abc'],
    ]) {
      const bytes = encodeEncodedContent({
        ...encoded,
        parameters: { ...encoded.parameters, [name!]: value! },
      });
      expect(() => registry.decodeContent(bytes)).toThrow(
        expect.objectContaining({ code: 'invalid_content' }),
      );
    }
    expect(decodeEncodedContent(encodeEncodedContent(encoded)).parameters).toEqual(encoded.parameters);
  });

  it('fetches https anywhere and http only to this machine (a local development node)', () => {
    for (const url of [
      'https://files.example/a',
      'http://127.0.0.1:5555/x',
      'http://localhost/x',
      'http://[::1]:8/x',
    ])
      expect(isFetchableAttachmentUrl(url), url).toBe(true);
    for (const url of [
      'http://files.example/a',
      'http://192.168.1.10/x',
      'http://127.0.0.1.nip.io/x',
      'ftp://files.example/a',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url',
    ])
      expect(isFetchableAttachmentUrl(url), url).toBe(false);
  });

  it('refuses a payload over the size limit, by its declared length or while reading it', async () => {
    const remote = { url: 'https://files.example/big' };
    const declared = (async () =>
      new Response(new Uint8Array(10), { headers: { 'content-length': '5000' } })) as typeof fetch;
    await expect(fetchRemotePayload(remote, { fetchFn: declared, maxBytes: 1000 })).rejects.toMatchObject({
      code: 'remote_attachment_too_large',
    });
    const streamed = (async () =>
      new Response(
        new ReadableStream({
          start(controller) {
            for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(400));
            controller.close();
          },
        }),
      )) as typeof fetch;
    await expect(fetchRemotePayload(remote, { fetchFn: streamed, maxBytes: 1000 })).rejects.toMatchObject({
      code: 'remote_attachment_too_large',
    });
    const small = await fetchRemotePayload(remote, { fetchFn: streamed, maxBytes: 5000 });
    expect(small).toHaveLength(2000);
    const down = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    await expect(fetchRemotePayload(remote, { fetchFn: down })).rejects.toMatchObject({
      code: 'remote_attachment_unavailable',
      message: expect.stringContaining('cannot reach'),
    });
  });
});
