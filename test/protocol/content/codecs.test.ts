import { describe, expect, it } from 'vitest';
import { fromUtf8, toHex, utf8 } from '@/protocol/bytes';
import type { Composite, Reaction, Reply } from '@/protocol/content';
import {
  attachmentCodec,
  CodecRegistry,
  compositeCodec,
  ContentTypeAttachment,
  ContentTypeComposite,
  contentTypeId,
  ContentTypeReaction,
  ContentTypeReadReceipt,
  ContentTypeReply,
  ContentTypeText,
  decodeEncodedContent,
  encodeEncodedContent,
  formatContentTypeId,
  reactionCodec,
  readReceiptCodec,
  replyCodec,
  textCodec,
} from '@/protocol/content';

const registry = new CodecRegistry({
  codecs: [textCodec, replyCodec, reactionCodec, readReceiptCodec, attachmentCodec, compositeCodec],
});
const MESSAGE_ID = 'a'.repeat(64);

async function roundTrip(content: unknown, type: typeof ContentTypeText) {
  const sent = await registry.encodeContent(content, type);
  return { sent, received: registry.decodeContent(sent.bytes) };
}

describe('standard content type ids', () => {
  it('names the xmtp.org types and versions', () => {
    expect(
      [
        ContentTypeText,
        ContentTypeReply,
        ContentTypeReaction,
        ContentTypeReadReceipt,
        ContentTypeAttachment,
        ContentTypeComposite,
      ].map(formatContentTypeId),
    ).toEqual([
      'xmtp.org/text:1.0',
      'xmtp.org/reply:1.0',
      'xmtp.org/reaction:1.0',
      'xmtp.org/readReceipt:1.0',
      'xmtp.org/attachment:1.0',
      'xmtp.org/composite:1.0',
    ]);
  });
});

describe('text codec', () => {
  it('encodes UTF-8 with the encoding parameter, no fallback, and asks for a push', async () => {
    const { sent, received } = await roundTrip('gm ☀️', ContentTypeText);
    expect(sent.encoded.parameters).toEqual({ encoding: 'UTF-8' });
    expect(fromUtf8(sent.encoded.content)).toBe('gm ☀️');
    expect(sent.encoded.fallback).toBeUndefined();
    expect(sent.shouldPush).toBe(true);
    expect(received.content).toBe('gm ☀️');
  });

  it('rejects text whose encoding parameter is not UTF-8', () => {
    const bytes = encodeEncodedContent({
      type: ContentTypeText,
      parameters: { encoding: 'UTF-16' },
      content: utf8('hi'),
    });
    expect(() => registry.decodeContent(bytes)).toThrow(
      expect.objectContaining({
        code: 'unsupported_text_encoding',
        message: 'unrecognized text encoding "UTF-16"',
      }),
    );
  });

  it('accepts text without an encoding parameter', () => {
    const bytes = encodeEncodedContent({ type: ContentTypeText, parameters: {}, content: utf8('old') });
    expect(registry.decodeContent(bytes).content).toBe('old');
  });

  it('refuses to encode something that is not a string', async () => {
    await expect(registry.encodeContent(42, ContentTypeText)).rejects.toThrow(
      expect.objectContaining({ code: 'invalid_content' }),
    );
  });
});

describe('reply codec', () => {
  it('nests the reply as an EncodedContent with contentType and reference parameters', async () => {
    const reply: Reply = { reference: MESSAGE_ID, contentType: ContentTypeText, content: 'sounds good' };
    const { sent, received } = await roundTrip(reply, ContentTypeReply);
    expect(sent.encoded.parameters).toEqual({ contentType: 'xmtp.org/text:1.0', reference: MESSAGE_ID });
    const inner = decodeEncodedContent(sent.encoded.content);
    expect(inner).toEqual({
      type: ContentTypeText,
      parameters: { encoding: 'UTF-8' },
      content: utf8('sounds good'),
    });
    expect(sent.encoded.fallback).toBe('Replied with “sounds good” to an earlier message');
    expect(sent.shouldPush).toBe(true);
    expect(received.content).toEqual(reply);
    expect(received.fallback).toBe('Replied with “sounds good” to an earlier message');
  });

  it('carries referenceInboxId when given', async () => {
    const reply: Reply = {
      reference: MESSAGE_ID,
      referenceInboxId: 'inbox-1',
      contentType: ContentTypeText,
      content: 'x',
    };
    const { sent, received } = await roundTrip(reply, ContentTypeReply);
    expect(sent.encoded.parameters.referenceInboxId).toBe('inbox-1');
    expect(received.content).toEqual(reply);
  });

  it('falls back to a generic text when the reply is not text', async () => {
    const reply: Reply = { reference: MESSAGE_ID, contentType: ContentTypeReadReceipt, content: {} };
    const { sent, received } = await roundTrip(reply, ContentTypeReply);
    expect(sent.encoded.fallback).toBe('Replied to an earlier message');
    expect(received.content).toEqual(reply);
  });

  it('cannot reply with a type it has no codec for', async () => {
    const reply: Reply = {
      reference: MESSAGE_ID,
      contentType: contentTypeId('example.com', 'poll', 1, 0),
      content: 1,
    };
    await expect(registry.encodeContent(reply, ContentTypeReply)).rejects.toThrow(
      expect.objectContaining({ code: 'unknown_content_type' }),
    );
  });

  it('returns a reply whose inner type is unknown with the reply fallback and an error', () => {
    const pollType = contentTypeId('example.com', 'poll', 1, 0);
    const bytes = encodeEncodedContent({
      type: ContentTypeReply,
      parameters: { contentType: 'example.com/poll:1.0', reference: MESSAGE_ID },
      fallback: 'Replied to an earlier message',
      content: encodeEncodedContent({ type: pollType, parameters: {}, content: utf8('?') }),
    });
    const decoded = registry.decodeContent(bytes);
    expect(decoded.content).toBeUndefined();
    expect(decoded.fallback).toBe('Replied to an earlier message');
    expect(decoded.error).toMatchObject({ code: 'unknown_content_type' });
    expect(decoded.error?.message).toContain('example.com/poll:1.0');
  });

  it('rejects a reply without a reference', () => {
    const bytes = encodeEncodedContent({
      type: ContentTypeReply,
      parameters: { contentType: 'xmtp.org/text:1.0' },
      content: encodeEncodedContent({
        type: ContentTypeText,
        parameters: { encoding: 'UTF-8' },
        content: utf8('x'),
      }),
    });
    expect(() => registry.decodeContent(bytes)).toThrow(expect.objectContaining({ code: 'invalid_content' }));
  });
});

describe('reaction codec', () => {
  const added: Reaction = { reference: MESSAGE_ID, action: 'added', content: '👍', schema: 'unicode' };

  it('encodes the JSON form with empty parameters and the curly-quote fallbacks', async () => {
    const { sent, received } = await roundTrip(added, ContentTypeReaction);
    expect(sent.encoded.parameters).toEqual({});
    expect(fromUtf8(sent.encoded.content)).toBe(
      `{"action":"added","reference":"${MESSAGE_ID}","schema":"unicode","content":"👍"}`,
    );
    expect(sent.encoded.fallback).toBe('Reacted “👍” to an earlier message');
    expect(received.content).toEqual(added);
    const removed = await registry.encodeContent({ ...added, action: 'removed' }, ContentTypeReaction);
    expect(removed.encoded.fallback).toBe('Removed “👍” from an earlier message');
  });

  it('never asks for a push, like @xmtp/content-type-reaction', async () => {
    expect((await registry.encodeContent(added, ContentTypeReaction)).shouldPush).toBe(false);
    expect(
      (await registry.encodeContent({ ...added, action: 'removed' }, ContentTypeReaction)).shouldPush,
    ).toBe(false);
  });

  it('writes referenceInboxId between reference and schema when present', async () => {
    const { sent, received } = await roundTrip(
      { ...added, referenceInboxId: 'inbox-9' },
      ContentTypeReaction,
    );
    expect(fromUtf8(sent.encoded.content)).toBe(
      `{"action":"added","reference":"${MESSAGE_ID}","referenceInboxId":"inbox-9","schema":"unicode","content":"👍"}`,
    );
    expect(received.content).toEqual({ ...added, referenceInboxId: 'inbox-9' });
  });

  it('decodes the legacy parameter form', () => {
    const bytes = encodeEncodedContent({
      type: ContentTypeReaction,
      parameters: { encoding: 'UTF-8', action: 'removed', reference: MESSAGE_ID, schema: 'shortcode' },
      content: utf8(':smile:'),
    });
    expect(registry.decodeContent(bytes).content).toEqual({
      reference: MESSAGE_ID,
      action: 'removed',
      schema: 'shortcode',
      content: ':smile:',
    });
  });

  it('rejects an unknown action', async () => {
    await expect(registry.encodeContent({ ...added, action: 'liked' }, ContentTypeReaction)).rejects.toThrow(
      expect.objectContaining({ code: 'invalid_content' }),
    );
    const bytes = encodeEncodedContent({
      type: ContentTypeReaction,
      parameters: {},
      content: utf8(JSON.stringify({ ...added, action: 'liked' })),
    });
    expect(() => registry.decodeContent(bytes)).toThrow(expect.objectContaining({ code: 'invalid_content' }));
  });
});

describe('read receipt codec', () => {
  it('is empty, has no fallback and is never pushed', async () => {
    const { sent, received } = await roundTrip({}, ContentTypeReadReceipt);
    expect(sent.encoded).toEqual({
      type: ContentTypeReadReceipt,
      parameters: {},
      content: new Uint8Array(0),
    });
    expect(sent.shouldPush).toBe(false);
    expect(toHex(sent.bytes)).toBe(
      `0a19 0a08${toHex(utf8('xmtp.org'))}120b${toHex(utf8('readReceipt'))}1801`.replace(/ /g, ''),
    );
    expect(received.content).toEqual({});
  });
});

describe('attachment codec', () => {
  const attachment = {
    filename: 'cat.png',
    mimeType: 'image/png',
    data: new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
  };

  it('carries filename and mimeType as parameters and the file as content', async () => {
    const { sent, received } = await roundTrip(attachment, ContentTypeAttachment);
    expect(sent.encoded.parameters).toEqual({ filename: 'cat.png', mimeType: 'image/png' });
    expect(sent.encoded.content).toEqual(attachment.data);
    expect(sent.encoded.fallback).toBe('Can’t display "cat.png". This app doesn’t support attachments.');
    expect(sent.shouldPush).toBe(true);
    expect(received.content).toEqual(attachment);
  });

  it('rejects an attachment without a mimeType parameter', () => {
    const bytes = encodeEncodedContent({
      type: ContentTypeAttachment,
      parameters: { filename: 'a' },
      content: utf8('x'),
    });
    expect(() => registry.decodeContent(bytes)).toThrow(
      expect.objectContaining({ code: 'invalid_content', message: expect.stringContaining('mimeType') }),
    );
  });
});

describe('composite codec', () => {
  it('round-trips a nested tree of parts', async () => {
    const tree: Composite = {
      parts: [
        { type: ContentTypeText, content: 'first' },
        {
          parts: [
            { type: ContentTypeText, content: 'inner' },
            { type: ContentTypeReadReceipt, content: {} },
          ],
        },
      ],
    };
    const { sent, received } = await roundTrip(tree, ContentTypeComposite);
    expect(sent.shouldPush).toBe(false);
    expect(sent.encoded.fallback).toBeUndefined();
    expect(received.content).toEqual(tree);
  });

  it('wraps a single value as a composite of one part', async () => {
    const { received } = await roundTrip({ type: ContentTypeText, content: 'solo' }, ContentTypeComposite);
    expect(received.content).toEqual({ parts: [{ type: ContentTypeText, content: 'solo' }] });
  });

  it('rejects a composite part holding nothing', () => {
    const bytes = encodeEncodedContent({
      type: ContentTypeComposite,
      parameters: {},
      content: new Uint8Array([0x0a, 0x00]),
    });
    expect(() => registry.decodeContent(bytes)).toThrow(expect.objectContaining({ code: 'invalid_content' }));
  });
});
