// Content encoding against xmtp-js 13.0.4 and the @xmtp/content-type-* reference codecs, both ways.
import { AttachmentCodec, RemoteAttachmentCodec } from '@xmtp/content-type-remote-attachment';
import { ReactionCodec } from '@xmtp/content-type-reaction';
import { ReadReceiptCodec } from '@xmtp/content-type-read-receipt';
import { ReplyCodec } from '@xmtp/content-type-reply';
import { ContentTypeId as TheirContentTypeId } from '@xmtp/content-type-primitives';
import { composite as theirComposite } from '@xmtp/proto';
import { Client, Compression as TheirCompression, PrivateKeyBundleV1 } from '@xmtp/xmtp-js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '@/protocol/bytes';
import type { ContentCodec, ContentTypeId, Reaction, RemoteAttachment, Reply } from '@/protocol/content';
import {
  attachmentCodec,
  CodecRegistry,
  compositeCodec,
  Compression,
  ContentTypeAttachment,
  ContentTypeComposite,
  contentTypeId,
  ContentTypeReaction,
  ContentTypeReadReceipt,
  ContentTypeRemoteAttachment,
  ContentTypeReply,
  ContentTypeText,
  decryptRemoteAttachment,
  encodeEncodedContent,
  encryptAttachment,
  formatContentTypeId,
  reactionCodec,
  readReceiptCodec,
  remoteAttachmentCodec,
  replyCodec,
  textCodec,
} from '@/protocol/content';

type TheirClient = Awaited<ReturnType<typeof Client.create>>;

// An xmtp-js client that never touches the network: a static key bundle and no contact publishing.
async function offlineClient(): Promise<TheirClient> {
  const account = privateKeyToAccount(generatePrivateKey());
  const wallet = {
    getAddress: async () => account.address,
    signMessage: (message: string) => account.signMessage({ message }),
  };
  const keys = await PrivateKeyBundleV1.generate(wallet);
  return Client.create(null, {
    env: 'local',
    privateKeyOverride: keys.encode(),
    skipContactPublishing: true,
    persistConversations: false,
    codecs: [
      new ReplyCodec(),
      new ReactionCodec(),
      new ReadReceiptCodec(),
      new AttachmentCodec(),
      new RemoteAttachmentCodec(),
      theirTestKeyCodec,
    ],
  });
}

// xmtp-js's own test type (ContentTypeTestKey.ts): not pushed, fixed fallback; we do not register it.
const theirTestKeyType = new TheirContentTypeId({
  authorityId: 'xmtp.test',
  typeId: 'public-key',
  versionMajor: 1,
  versionMinor: 0,
});
const theirTestKeyCodec = {
  contentType: theirTestKeyType,
  encode: (content: Uint8Array) => ({ type: theirTestKeyType, parameters: {}, content }),
  decode: (encoded: { content: Uint8Array }) => encoded.content,
  fallback: () => 'publickey bundle',
  shouldPush: () => false,
};

const theirType = (id: ContentTypeId) => TheirContentTypeId.fromString(formatContentTypeId(id));
const MESSAGE_ID = '5f0c1d3a'.repeat(8);

const ours = new CodecRegistry({
  codecs: [
    textCodec,
    replyCodec,
    reactionCodec,
    readReceiptCodec,
    attachmentCodec,
    remoteAttachmentCodec,
    compositeCodec,
  ],
});

const REMOTE: RemoteAttachment = {
  url: 'https://files.example/blob/1',
  contentDigest: 'ab'.repeat(32),
  salt: new Uint8Array(32).fill(1),
  nonce: new Uint8Array(12).fill(2),
  secret: new Uint8Array(32).fill(3),
  scheme: 'https://',
  contentLength: 1234,
  filename: 'photo.jpg',
};

describe('content encoding interop with xmtp-js 13.0.4', () => {
  let theirs: TheirClient;
  beforeAll(async () => {
    theirs = await offlineClient();
  });

  // Each case: content as we write it, content as they write it, the type.
  const cases: { name: string; type: ContentTypeId; ours: unknown; theirs: () => unknown }[] = [
    { name: 'text', type: ContentTypeText, ours: 'gm 🌅 — ünïcode', theirs: () => 'gm 🌅 — ünïcode' },
    {
      name: 'reply with text',
      type: ContentTypeReply,
      ours: { reference: MESSAGE_ID, contentType: ContentTypeText, content: 'agreed' } satisfies Reply,
      theirs: () => ({ reference: MESSAGE_ID, contentType: theirType(ContentTypeText), content: 'agreed' }),
    },
    {
      name: 'reply with a reaction and a referenceInboxId',
      type: ContentTypeReply,
      ours: {
        reference: MESSAGE_ID,
        referenceInboxId: 'inbox-7',
        contentType: ContentTypeReaction,
        content: { reference: MESSAGE_ID, action: 'added', content: '🔥', schema: 'unicode' },
      } satisfies Reply,
      theirs: () => ({
        reference: MESSAGE_ID,
        referenceInboxId: 'inbox-7',
        contentType: theirType(ContentTypeReaction),
        content: { reference: MESSAGE_ID, action: 'added', content: '🔥', schema: 'unicode' },
      }),
    },
    {
      name: 'reaction added',
      type: ContentTypeReaction,
      ours: { reference: MESSAGE_ID, action: 'added', content: '👍', schema: 'unicode' } satisfies Reaction,
      theirs: () => ({ reference: MESSAGE_ID, action: 'added', content: '👍', schema: 'unicode' }),
    },
    {
      name: 'reaction removed with referenceInboxId',
      type: ContentTypeReaction,
      ours: {
        reference: MESSAGE_ID,
        referenceInboxId: 'inbox-3',
        action: 'removed',
        content: ':tada:',
        schema: 'shortcode',
      } satisfies Reaction,
      theirs: () => ({
        reference: MESSAGE_ID,
        referenceInboxId: 'inbox-3',
        action: 'removed',
        content: ':tada:',
        schema: 'shortcode',
      }),
    },
    { name: 'read receipt', type: ContentTypeReadReceipt, ours: {}, theirs: () => ({}) },
    {
      name: 'attachment',
      type: ContentTypeAttachment,
      ours: { filename: 'notes “v2”.txt', mimeType: 'text/plain', data: utf8('line one\nline two\n') },
      theirs: () => ({
        filename: 'notes “v2”.txt',
        mimeType: 'text/plain',
        data: utf8('line one\nline two\n'),
      }),
    },
    {
      name: 'remote attachment',
      type: ContentTypeRemoteAttachment,
      ours: REMOTE,
      theirs: () => ({ ...REMOTE }),
    },
  ];

  describe.each(cases)('$name', ({ type, ours: ourContent, theirs: theirContentOf }) => {
    it('encodes to the same bytes, fallback and shouldPush as xmtp-js', async () => {
      const mine = await ours.encodeContent(ourContent, type);
      const theirsEncoded = await theirs.encodeContent(theirContentOf(), { contentType: theirType(type) });
      expect(toHex(mine.bytes)).toBe(toHex(theirsEncoded.payload));
      expect(mine.shouldPush).toBe(theirsEncoded.shouldPush);
    });

    it('is read by xmtp-js when we send it', async () => {
      const { bytes, encoded } = await ours.encodeContent(ourContent, type);
      const read = await theirs.decodeContent(bytes);
      expect(read.error).toBeUndefined();
      expect(read.contentType.toString()).toBe(formatContentTypeId(type));
      expect(read.contentFallback).toBe(encoded.fallback);
      expect(normalise(read.content)).toEqual(normalise(theirContentOf()));
    });

    it('reads what xmtp-js sends', async () => {
      const { payload } = await theirs.encodeContent(theirContentOf(), { contentType: theirType(type) });
      const read = ours.decodeContent(payload);
      expect(read.error).toBeUndefined();
      expect(read.contentType).toEqual(type);
      expect(read.content).toEqual(ourContent);
    });
  });

  it('produces the Client.test.ts deflate payload byte for byte, as xmtp-js does in this run', async () => {
    // Their test hands the text codec a Uint8Array, which becomes its comma-separated decimal string.
    const input = utf8('hello world '.repeat(20));
    const theirsEncoded = await theirs.encodeContent(input, {
      compression: TheirCompression.COMPRESSION_DEFLATE,
    });
    const mine = await ours.encodeContent(String(input), ContentTypeText, {
      compression: Compression.Deflate,
    });
    expect(toHex(mine.bytes)).toBe(toHex(theirsEncoded.payload));
    expect(
      toHex(mine.bytes).startsWith(
        '0a120a08786d74702e6f7267120474657874180112110a08656e636f64696e6712055554462d3828002230789c',
      ),
    ).toBe(true);
  });

  it.each([
    ['deflate', Compression.Deflate, TheirCompression.COMPRESSION_DEFLATE],
    ['gzip', Compression.Gzip, TheirCompression.COMPRESSION_GZIP],
  ])(
    'compresses with %s like xmtp-js and reads each other’s compressed content',
    async (_, mineKind, theirKind) => {
      const text = 'compress me please, '.repeat(40); // 800 bytes: under xmtp-js's 1000-byte cap
      const mine = await ours.encodeContent(text, ContentTypeText, { compression: mineKind });
      const theirsEncoded = await theirs.encodeContent(text, { compression: theirKind });
      expect(toHex(mine.bytes)).toBe(toHex(theirsEncoded.payload));
      expect((await theirs.decodeContent(mine.bytes)).content).toBe(text);
      expect(ours.decodeContent(theirsEncoded.payload).content).toBe(text);
    },
  );

  it('leaves short content uncompressed, as xmtp-js does', async () => {
    const mine = await ours.encodeContent('tiny', ContentTypeText, { compression: Compression.Deflate });
    const theirsEncoded = await theirs.encodeContent('tiny', {
      compression: TheirCompression.COMPRESSION_DEFLATE,
    });
    expect(toHex(mine.bytes)).toBe(toHex(theirsEncoded.payload));
    expect(mine.encoded.compression).toBeUndefined();
  });

  it('shows the xmtp-js quirk: compressed content over 1000 bytes inflated is dropped by xmtp-js, read by us', async () => {
    const text = 'x'.repeat(1001);
    const mine = await ours.encodeContent(text, ContentTypeText, { compression: Compression.Deflate });
    await expect(theirs.decodeContent(mine.bytes)).rejects.toThrow('maximum output size exceeded');
    const theirsEncoded = await theirs.encodeContent(text, {
      compression: TheirCompression.COMPRESSION_DEFLATE,
    });
    expect(ours.decodeContent(theirsEncoded.payload).content).toBe(text);
  });

  it('surfaces an unknown type with its fallback on both sides', async () => {
    const { payload, shouldPush } = await theirs.encodeContent(new Uint8Array([1, 2, 3]), {
      contentType: theirTestKeyType,
    });
    expect(shouldPush).toBe(false);
    const read = ours.decodeContent(payload);
    expect(read.error?.code).toBe('unknown_content_type');
    expect(read.fallback).toBe('publickey bundle');
    expect(read.contentType).toEqual(contentTypeId('xmtp.test', 'public-key', 1, 0));

    const pollType = contentTypeId('example.com', 'poll', 1, 0);
    const poll: ContentCodec<string> = {
      contentType: pollType,
      encode: (q) => ({ type: pollType, parameters: {}, content: utf8(q) }),
      decode: () => '',
      fallback: (q) => `Poll: ${q}`,
      shouldPush: () => true,
    };
    const { bytes } = await new CodecRegistry({ codecs: [poll] }).encodeContent('tea or coffee?', pollType);
    const theirRead = await theirs.decodeContent(bytes);
    expect(theirRead.error?.message).toBe('unknown content type example.com/poll:1.0');
    expect(theirRead.contentFallback).toBe('Poll: tea or coffee?');
  });

  it('rejects text with a non-UTF-8 encoding, as xmtp-js does', async () => {
    const bytes = encodeEncodedContent({
      type: ContentTypeText,
      parameters: { encoding: 'latin1' },
      content: utf8('x'),
    });
    expect(() => ours.decodeContent(bytes)).toThrow(
      expect.objectContaining({ code: 'unsupported_text_encoding' }),
    );
    await expect(theirs.decodeContent(bytes)).rejects.toThrow('unrecognized encoding latin1');
  });

  it('reads the legacy reaction form the reference codec also reads', async () => {
    const bytes = encodeEncodedContent({
      type: ContentTypeReaction,
      parameters: { encoding: 'UTF-8', action: 'added', reference: MESSAGE_ID, schema: 'unicode' },
      content: utf8('❤️'),
    });
    const expected = { reference: MESSAGE_ID, action: 'added', schema: 'unicode', content: '❤️' };
    expect(ours.decodeContent(bytes).content).toEqual(expected);
    expect(normalise((await theirs.decodeContent(bytes)).content)).toEqual(expected);
  });

  it('decrypts remote attachments encrypted by the reference codec, and the reference codec loads ours', async () => {
    const attachment = { filename: 'a.txt', mimeType: 'text/plain', data: utf8('remote bytes') };
    const theirEncrypted = await RemoteAttachmentCodec.encodeEncrypted(attachment, new AttachmentCodec());
    const theirRemote: RemoteAttachment = {
      url: 'https://files.example/theirs',
      contentDigest: theirEncrypted.digest,
      salt: theirEncrypted.salt,
      nonce: theirEncrypted.nonce,
      secret: theirEncrypted.secret,
      scheme: 'https://',
      contentLength: attachment.data.length,
      filename: attachment.filename,
    };
    expect(await decryptRemoteAttachment(theirRemote, theirEncrypted.payload, ours)).toEqual(attachment);

    const mine = await encryptAttachment(attachment);
    // Their loader fetches the URL itself: serve our payload locally.
    const server = createServer((_, res) => res.end(mine.payload));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const loaded = await RemoteAttachmentCodec.load(
        {
          url: `http://127.0.0.1:${port}/ours`,
          contentDigest: mine.contentDigest,
          salt: mine.salt,
          nonce: mine.nonce,
          secret: mine.secret,
          scheme: 'https://',
          contentLength: attachment.data.length,
          filename: attachment.filename,
        },
        theirs,
      );
      expect(normalise(loaded)).toEqual(normalise(attachment));
    } finally {
      server.close();
    }
  });

  it('writes composites that @xmtp/proto (ts-proto) encodes identically and decodes the same tree', async () => {
    const tree = {
      parts: [
        { type: ContentTypeText, content: 'one' },
        {
          parts: [
            { type: ContentTypeText, content: 'two' },
            { type: ContentTypeReadReceipt, content: {} },
          ],
        },
      ],
    };
    const { encoded } = await ours.encodeContent(tree, ContentTypeComposite);
    const text = (s: string) => ({
      type: { ...ContentTypeText },
      parameters: { encoding: 'UTF-8' },
      content: utf8(s),
      fallback: undefined,
      compression: undefined,
    });
    const theirTree = {
      parts: [
        { part: text('one'), composite: undefined },
        {
          part: undefined,
          composite: {
            parts: [
              { part: text('two'), composite: undefined },
              {
                part: {
                  type: { ...ContentTypeReadReceipt },
                  parameters: {},
                  content: new Uint8Array(0),
                  fallback: undefined,
                  compression: undefined,
                },
                composite: undefined,
              },
            ],
          },
        },
      ],
    };
    const theirBytes = theirComposite.Composite.encode(theirTree).finish();
    expect(toHex(encoded.content)).toBe(toHex(theirBytes));
    const read = ours.decodeContent(
      encodeEncodedContent({ type: ContentTypeComposite, parameters: {}, content: theirBytes }),
    );
    expect(read.content).toEqual(tree);
  });
});

// Their decoders return class instances (ContentTypeId) and may carry undefined fields.
function normalise(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_, v: unknown) =>
      v instanceof Uint8Array ? toHex(v) : v instanceof TheirContentTypeId ? v.toString() : v,
    ),
  );
}
