// Streams of messages and conversations, including a node restart under a streamAllMessages.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConversationV2 } from '@/client';
import { encodeEncodedContent, textCodec } from '@/protocol/content';
import { encodeMessageV2 } from '@/protocol/message-v2';
import {
  collect,
  createClient,
  injectEnvelopes,
  newWallet,
  startTestNode,
  until,
  type TestNode,
} from '../helpers';

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.close();
});

const settle = () => new Promise((r) => setTimeout(r, 400));

it('streams the messages of one conversation and new conversations', async () => {
  const alice = await createClient(newWallet(), node.url);
  const bob = await createClient(newWallet(), node.url);
  const newOnes = collect(bob.conversations.stream());
  await settle();
  const convo = await alice.conversations.newConversation(bob.address);
  await until(() => newOnes.length === 1);
  expect(newOnes[0]!.topic).toBe(convo.topic);
  expect(newOnes[0]!.peerAddress).toBe(alice.address);

  const messages = collect(newOnes[0]!.stream());
  await settle();
  await convo.send('one');
  await convo.send('two');
  await until(() => messages.length === 2);
  expect(messages.map((m) => m.content)).toEqual(['one', 'two']);
  await bob.close();
});

it('streamAllMessages picks up conversations that start while it runs, V1 and V2', async () => {
  // Bob publishes only a V1 contact: peers without a conversationId talk V1 to him (§3.7).
  const bob = await createClient(newWallet(), node.url, { publishLegacyContact: true });
  const alice = await createClient(newWallet(), node.url);
  const existing = await alice.conversations.newConversation(bob.address, { conversationId: 'existing' });
  const all = collect(bob.conversations.streamAllMessages());
  await settle();

  await existing.send('on an existing conversation');
  const carol = await createClient(newWallet(), node.url);
  const fresh = await carol.conversations.newConversation(bob.address, { conversationId: 'fresh' });
  await fresh.send('first words on a new conversation');
  const dave = await createClient(newWallet(), node.url);
  const legacyView = await dave.conversations.newConversation(bob.address);
  expect(legacyView.version).toBe('v1');
  await legacyView.send('v1 hello');
  await until(() => all.length === 3);
  await fresh.send('second on the new one');
  await legacyView.send('v1 again');
  await until(() => all.length >= 5);
  await settle();
  expect(all.map((m) => m.content).sort()).toEqual(
    [
      'on an existing conversation',
      'first words on a new conversation',
      'v1 hello',
      'second on the new one',
      'v1 again',
    ].sort(),
  );
  expect(new Set(all.map((m) => m.id)).size).toBe(5);
  await bob.close();
});

it('streamAllMessages gets the first message of every one of many conversations started at once', async () => {
  // Each new conversation adds a topic to the open subscription while others are being added: none of their
  // first messages may fall between a topic's catch-up query and its registration.
  const bob = await createClient(newWallet(), node.url);
  const all = collect(bob.conversations.streamAllMessages());
  await settle();
  const senders = await Promise.all(Array.from({ length: 10 }, () => createClient(newWallet(), node.url)));
  const sent: string[] = [];
  for (let round = 0; round < 3; round++)
    await Promise.all(
      senders.map(async (sender, i) => {
        const text = `hello ${round}/${i}`;
        sent.push(text);
        const conversation = await sender.conversations.newConversation(bob.address, {
          conversationId: `burst/${round}/${i}`,
        });
        await conversation.send(text);
      }),
    );
  await until(() => all.length >= sent.length).catch(() => undefined);
  expect(all.map((m) => m.content).sort()).toEqual(sent.sort());
  await bob.close();
  await Promise.all(senders.map((s) => s.close()));
});

it('a streamAllMessages survives a node restart and delivers what it missed once', async () => {
  const own = await startTestNode();
  const port = own.node.port;
  const dataDir = own.dataDir;
  const alice = await createClient(newWallet(), own.url);
  const bob = await createClient(newWallet(), own.url);
  const convo = (await alice.conversations.newConversation(bob.address)) as ConversationV2;
  const all = collect(bob.conversations.streamAllMessages());
  await settle();
  await convo.send('before restart');
  await until(() => all.length === 1);

  await own.node.close();
  // While the node is down, messages reach its store (as through another node of the network).
  const missed = [];
  for (const [i, text] of ['while down 1', 'while down 2'].entries()) {
    // Distinct milliseconds: same-ms envelopes would be ordered by digest.
    const m = await encodeMessageV2(
      alice.keyring,
      convo,
      encodeEncodedContent(textCodec.encode(text, alice.codecs)),
      { nowMs: Date.now() + i },
    );
    missed.push({ contentTopic: convo.topic, timestampNs: m.createdNs, message: m.messageBytes });
  }
  await injectEnvelopes(dataDir, missed);
  const restarted = await startTestNode({ dataDir, port });
  try {
    await until(() => all.length === 3, 30_000);
    await convo.send('after restart');
    await until(() => all.length === 4, 15_000);
    await settle();
    expect(all.map((m) => m.content)).toEqual([
      'before restart',
      'while down 1',
      'while down 2',
      'after restart',
    ]);
  } finally {
    await bob.close();
    await restarted.close();
  }
}, 60_000);

it('streams a V1 conversation when its first message arrives on our intro topic', async () => {
  const bob = await createClient(newWallet(), node.url, { publishLegacyContact: true });
  const dave = await createClient(newWallet(), node.url);
  const newOnes = collect(bob.conversations.stream());
  await settle();
  const v1 = await dave.conversations.newConversation(bob.address);
  await v1.send('hi over V1');
  await v1.send('and again');
  await until(() => newOnes.length === 1);
  await settle();
  expect(newOnes.map((c) => [c.version, c.topic, c.peerAddress])).toEqual([['v1', v1.topic, dave.address]]);
  await bob.close();
});

it('pages through messages and stops early without leaving requests behind', async () => {
  const alice = await createClient(newWallet(), node.url);
  const bob = await createClient(newWallet(), node.url);
  const convo = await alice.conversations.newConversation(bob.address);
  for (let i = 0; i < 7; i++) await convo.send(`m${i}`);
  const pages: string[][] = [];
  for await (const page of convo.messagePages({ pageSize: 3 })) {
    pages.push(page.map((m) => m.content as string));
    if (pages.length === 2) break;
  }
  expect(pages).toEqual([
    ['m0', 'm1', 'm2'],
    ['m3', 'm4', 'm5'],
  ]);
  const all: string[][] = [];
  for await (const page of convo.messagePages({ pageSize: 3, direction: 'descending' })) {
    all.push(page.map((m) => m.content as string));
  }
  expect(all).toEqual([['m6', 'm5', 'm4'], ['m3', 'm2', 'm1'], ['m0']]);
});
