// Our client and xmtp-js 13.0.4 talk in both directions on our node: V2 with and without a
// conversationId, V1 with a legacy-contact peer, text and non-text content (reaction, reply).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client as XmtpJs } from '@xmtp/xmtp-js';
import { ContentTypeText as JsTextType } from '@xmtp/content-type-text';
import { ContentTypeReaction as JsReactionType, ReactionCodec } from '@xmtp/content-type-reaction';
import { ContentTypeReply as JsReplyType, ReplyCodec } from '@xmtp/content-type-reply';
import { ContentTypeReaction, ContentTypeReply, ContentTypeText } from '@/protocol/content';
import { createClient, newWallet, startTestNode, xmtpJsWallet, type TestNode } from '../client/helpers';

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.close();
});

async function jsClient(extra: Record<string, unknown> = {}) {
  const wallet = newWallet();
  return XmtpJs.create(xmtpJsWallet(wallet), {
    env: 'local',
    apiUrl: node.url,
    persistConversations: false,
    codecs: [new ReactionCodec(), new ReplyCodec()],
    ...extra,
  });
}

describe('V2 with xmtp-js', () => {
  it('we invite xmtp-js, without a conversationId; text and a reaction both ways', async () => {
    const js = await jsClient();
    const ours = await createClient(newWallet(), node.url);
    const convo = await ours.conversations.newConversation(js.address);
    expect(convo.version).toBe('v2');
    const hello = await convo.send('hello from xmtp-inbox');

    const [jsConvo] = await js.conversations.list();
    expect(jsConvo!.topic).toBe(convo.topic);
    expect(jsConvo!.peerAddress).toBe(ours.address);
    const jsSeen = await jsConvo!.messages();
    expect(jsSeen.map((m) => [m.senderAddress, m.content, m.id])).toEqual([
      [ours.address, 'hello from xmtp-inbox', hello.id],
    ]);
    await jsConvo!.send('hello from xmtp-js');
    await jsConvo!.send(
      { reference: hello.id, action: 'added', schema: 'unicode', content: '🎉' },
      { contentType: JsReactionType },
    );
    await convo.send(
      { reference: hello.id, action: 'removed', schema: 'unicode', content: '🎉' },
      {
        contentType: ContentTypeReaction,
      },
    );

    const seen = await convo.messages();
    expect(seen.map((m) => [m.senderAddress, m.content])).toEqual([
      [ours.address, 'hello from xmtp-inbox'],
      [js.address, 'hello from xmtp-js'],
      [js.address, { reference: hello.id, action: 'added', schema: 'unicode', content: '🎉' }],
      [ours.address, { reference: hello.id, action: 'removed', schema: 'unicode', content: '🎉' }],
    ]);
    expect(seen[2]!.contentType).toEqual(ContentTypeReaction);
    const jsAll = await jsConvo!.messages();
    expect(jsAll[3]!.content).toMatchObject({ action: 'removed', content: '🎉', reference: hello.id });
    expect(jsAll.map((m) => m.id)).toEqual(seen.map((m) => m.id));
  });

  it('xmtp-js invites us with a conversationId and metadata; replies both ways', async () => {
    const js = await jsClient();
    const ours = await createClient(newWallet(), node.url);
    const jsConvo = await js.conversations.newConversation(ours.address, {
      conversationId: 'xmtp.org/interop/1',
      metadata: { title: 'interop' },
    });
    const first = await jsConvo.send('from js with context');

    const list = await ours.conversations.list();
    expect(list).toHaveLength(1);
    const convo = list[0]!;
    expect(convo.topic).toBe(jsConvo.topic);
    expect(convo.context).toEqual({ conversationId: 'xmtp.org/interop/1', metadata: { title: 'interop' } });
    // Same peer and conversationId: reused, not re-invited.
    expect(
      (await ours.conversations.newConversation(js.address, { conversationId: 'xmtp.org/interop/1' })).topic,
    ).toBe(jsConvo.topic);
    await convo.send(
      { reference: first.id, contentType: ContentTypeText, content: 'our reply' },
      { contentType: ContentTypeReply },
    );
    await jsConvo.send(
      { reference: first.id, contentType: JsTextType, content: 'their reply' },
      { contentType: JsReplyType },
    );

    const jsSeen = await jsConvo.messages();
    const reply = jsSeen.find((m) => m.senderAddress === ours.address)!;
    expect(reply.contentType.typeId).toBe('reply');
    expect(reply.content).toMatchObject({ reference: first.id, content: 'our reply' });

    const seen = await convo.messages();
    expect(seen[0]!.content).toBe('from js with context');
    expect(seen[1]!.content).toMatchObject({ reference: first.id, content: 'our reply' });
    expect(seen[2]!.contentType).toEqual(ContentTypeReply);
    expect(seen[2]!.content).toMatchObject({ reference: first.id, content: 'their reply' });
    expect(seen[2]!.fallback).toBe('Replied with “their reply” to an earlier message');
  });
});

describe('V1 with xmtp-js', () => {
  it('talks V1 to an xmtp-js peer that has only a legacy contact, both ways', async () => {
    const js = await jsClient({ publishLegacyContact: true });
    const ours = await createClient(newWallet(), node.url);
    const convo = await ours.conversations.newConversation(js.address);
    expect(convo.version).toBe('v1');
    await convo.send('v1 from us');

    const jsList = await js.conversations.list();
    expect(jsList).toHaveLength(1);
    const jsConvo = jsList[0]!;
    expect(jsConvo.topic).toBe(convo.topic);
    expect((await jsConvo.messages()).map((m) => m.content)).toEqual(['v1 from us']);
    await jsConvo.send('v1 from js');

    const seen = await convo.messages();
    expect(seen.map((m) => [m.senderAddress, m.content])).toEqual([
      [ours.address, 'v1 from us'],
      [js.address, 'v1 from js'],
    ]);
  });

  it('lists a V1 conversation xmtp-js started with our legacy-contact client', async () => {
    const ours = await createClient(newWallet(), node.url, { publishLegacyContact: true });
    const js = await jsClient();
    const jsConvo = await js.conversations.newConversation(ours.address);
    await jsConvo.send('js starts v1');
    const list = await ours.conversations.list();
    expect(list.map((c) => [c.version, c.topic, c.peerAddress])).toEqual([['v1', jsConvo.topic, js.address]]);
    expect((await list[0]!.messages()).map((m) => m.content)).toEqual(['js starts v1']);
    await list[0]!.send('we answer v1');
    expect((await jsConvo.messages()).map((m) => m.content)).toEqual(['js starts v1', 'we answer v1']);
  });
});
