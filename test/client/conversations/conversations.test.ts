import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryPersistence } from '@/client/persistence';
import { contentTypeId, ContentTypeReaction, ContentTypeText, type ContentCodec } from '@/protocol/content';
import { fromUtf8, utf8 } from '@/protocol/bytes';
import { ephemeralTopic, introTopic } from '@/protocol/topics';
import { messageId } from '@/protocol/message';
import { ApiClient } from '@/client/api';
import { createClient, newWallet, startTestNode, type TestNode } from '../helpers';

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.close();
});

describe('V2 conversations between two of our clients', () => {
  it('creates, lists and exchanges text both ways, with paging options', async () => {
    const alice = await createClient(newWallet(), node.url);
    const bob = await createClient(newWallet(), node.url);
    const ab = await alice.conversations.newConversation(bob.address);
    expect(ab.version).toBe('v2');
    expect(ab.peerAddress).toBe(bob.address);
    const sent = await ab.send('hello bob');
    expect(sent.id).toMatch(/^[0-9a-f]{64}$/);

    const bobList = await bob.conversations.list();
    expect(bobList.map((c) => c.topic)).toEqual([ab.topic]);
    const ba = bobList[0]!;
    expect(ba.peerAddress).toBe(alice.address);
    await ba.send('hello alice');
    await ba.send('second');

    const fromAlice = await ab.messages();
    expect(fromAlice.map((m) => [m.senderAddress, m.content])).toEqual([
      [alice.address, 'hello bob'],
      [bob.address, 'hello alice'],
      [bob.address, 'second'],
    ]);
    expect(fromAlice[0]!.id).toBe(sent.id);
    expect(fromAlice[0]!.contentType).toEqual(ContentTypeText);
    const newest = await ab.messages({ direction: 'descending', limit: 1 });
    expect(newest.map((m) => m.content)).toEqual(['second']);
    const after = await ab.messages({ startTime: fromAlice[1]!.sent });
    expect(after.map((m) => m.content)).toEqual(['hello alice', 'second']);
  });

  it('reuses conversations per peer and conversationId, from either side', async () => {
    const alice = await createClient(newWallet(), node.url);
    const bob = await createClient(newWallet(), node.url);
    const first = await alice.conversations.newConversation(bob.address);
    const again = await alice.conversations.newConversation(bob.address.toLowerCase());
    expect(again).toBe(first);
    const withId = await alice.conversations.newConversation(bob.address, {
      conversationId: 'example.com/thread-1',
      metadata: { title: 'hi' },
    });
    expect(withId.topic).not.toBe(first.topic);
    expect(withId.context).toEqual({ conversationId: 'example.com/thread-1', metadata: { title: 'hi' } });
    // Deterministic topics: bob's invitation to alice lands on the same topics (§8.2).
    const back = await bob.conversations.newConversation(alice.address, {
      conversationId: 'example.com/thread-1',
    });
    expect(back.topic).toBe(withId.topic);
    const bobList = await bob.conversations.list();
    expect(bobList.map((c) => c.topic).sort()).toEqual([first.topic, withId.topic].sort());
    expect(bobList.find((c) => c.topic === withId.topic)?.context?.metadata).toEqual({ title: 'hi' });
  });

  it('refuses to message yourself or an address without a contact bundle', async () => {
    const alice = await createClient(newWallet(), node.url);
    await expect(alice.conversations.newConversation(alice.address)).rejects.toMatchObject({
      code: 'self_messaging',
    });
    const nobody = newWallet().address;
    await expect(alice.conversations.newConversation(nobody)).rejects.toMatchObject({
      code: 'recipient_not_on_network',
      message: `Recipient ${nobody} is not on the XMTP network`,
    });
  });

  it('sends a reaction, compressed text and ephemeral messages', async () => {
    const alice = await createClient(newWallet(), node.url);
    const bob = await createClient(newWallet(), node.url);
    const ab = await alice.conversations.newConversation(bob.address);
    const text = await ab.send('compress me please, compress me please', { compression: 'deflate' });
    const reaction = { reference: text.id, action: 'added', schema: 'unicode', content: '👍' };
    await ab.send(reaction, { contentType: ContentTypeReaction });
    const [ba] = await bob.conversations.list();
    const messages = await ba!.messages();
    expect(messages.map((m) => m.content)).toEqual(['compress me please, compress me please', reaction]);
    expect(messages[1]!.fallback).toBe('Reacted “👍” to an earlier message');

    const ephemeral = ba!.streamEphemeral();
    await new Promise((r) => setTimeout(r, 300));
    await ab.send('blink', { ephemeral: true });
    const it = ephemeral[Symbol.asyncIterator]();
    const got = await it.next();
    expect(got.value.content).toBe('blink');
    expect(got.value.topic).toBe(ab.topic);
    await ephemeral.close();
    // Ephemeral messages are never stored.
    expect((await ba!.messages()).length).toBe(2);
    expect(ephemeralTopic(ab.topic)).toMatch(/\/mE-/);
  });
});

describe('incremental sync', () => {
  it('decrypts nothing on a warm list, even in a new client over the same persistence', async () => {
    const carolWallet = newWallet();
    const persistence = new MemoryPersistence();
    const carol = await createClient(carolWallet, node.url, { persistence });
    const peers = await Promise.all([0, 1, 2].map(() => createClient(newWallet(), node.url)));
    for (const p of peers) await p.conversations.newConversation(carol.address);

    expect(await carol.conversations.list()).toHaveLength(3);
    expect(carol.stats.invitationsOpened).toBe(3);
    await carol.conversations.list();
    expect(carol.stats.invitationsOpened).toBe(3);

    const keyBundle = carol.exportKeyBundle();
    const again = await createClient(null, node.url, { keyBundle, persistence, skipContactPublishing: true });
    const warm = await again.conversations.list();
    expect(warm.map((c) => c.peerAddress).sort()).toEqual(peers.map((p) => p.address).sort());
    expect(again.stats.invitationsOpened).toBe(0);
    expect(again.stats.introsOpened).toBe(0);

    await (await createClient(newWallet(), node.url)).conversations.newConversation(carol.address);
    expect(await again.conversations.list()).toHaveLength(4);
    expect(again.stats.invitationsOpened).toBe(1);
  });
});

describe('sending side effects', () => {
  it('allows the peer in consent after a send when there was no decision', async () => {
    const alice = await createClient(newWallet(), node.url);
    const bob = await createClient(newWallet(), node.url);
    const convo = await alice.conversations.newConversation(bob.address);
    expect(alice.contacts.consentState(bob.address)).toBe('allowed');
    await alice.contacts.deny([bob.address]);
    await convo.send('still talking');
    expect(alice.contacts.consentState(bob.address)).toBe('denied');
  });

  it('sends the first V1 message of a client instance to both intro topics, later ones only to the dm topic', async () => {
    const alice = await createClient(newWallet(), node.url);
    const bob = await createClient(newWallet(), node.url, { publishLegacyContact: true });
    const convo = await alice.conversations.newConversation(bob.address);
    expect(convo.version).toBe('v1');
    const first = await convo.send('one');
    await convo.send('two');
    const api = new ApiClient({ nodes: [node.url] });
    for (const topic of [introTopic(bob.address), introTopic(alice.address)]) {
      expect((await api.query(topic)).map((e) => messageId(e.message))).toEqual([first.id]);
    }
    expect(await api.query(convo.topic)).toHaveLength(2);
    // A new client instance introduces itself again, as xmtp-js does (§7.3).
    const again = await createClient(null, node.url, {
      keyBundle: alice.exportKeyBundle(),
      skipContactPublishing: true,
    });
    await (await again.conversations.newConversation(bob.address)).send('three');
    expect(await api.query(introTopic(bob.address))).toHaveLength(2);
    const bobs = await bob.conversations.list();
    expect(bobs.map((c) => [c.version, c.peerAddress])).toEqual([['v1', alice.address]]);
    expect((await bobs[0]!.messages()).map((m) => m.content)).toEqual(['one', 'two', 'three']);
  });
});

describe('content types', () => {
  const ContentTypeNote = contentTypeId('example.org', 'note', 1, 0);
  const noteCodec: ContentCodec<{ title: string }> = {
    contentType: ContentTypeNote,
    encode: (note) => ({ type: ContentTypeNote, parameters: {}, content: utf8(JSON.stringify(note)) }),
    decode: (encoded) => JSON.parse(fromUtf8(encoded.content)) as { title: string },
    fallback: (note) => `Note: ${note.title}`,
    shouldPush: () => false,
  };

  it('sends with an extra codec and surfaces it to a client without that codec by its fallback', async () => {
    const alice = await createClient(newWallet(), node.url, { codecs: [noteCodec] });
    const bob = await createClient(newWallet(), node.url);
    const convo = await alice.conversations.newConversation(bob.address);
    const sent = await convo.send({ title: 'groceries' }, { contentType: ContentTypeNote });
    expect(sent.fallback).toBe('Note: groceries');
    await convo.send('plain');

    expect((await convo.messages()).map((m) => m.content)).toEqual([{ title: 'groceries' }, 'plain']);
    const [bobs] = await bob.conversations.list();
    const [note, plain] = await bobs!.messages();
    expect(note!.contentType).toEqual(ContentTypeNote);
    expect(note!.content).toBeUndefined();
    expect(note!.fallback).toBe('Note: groceries');
    expect(note!.error?.code).toBe('unknown_content_type');
    expect(plain!.content).toBe('plain');
    await expect(bobs!.send({ title: 'x' }, { contentType: ContentTypeNote })).rejects.toMatchObject({
      code: 'unknown_content_type',
    });
  });
});
