// A V2 conversation's history read through the Node worker pool: every message decoded in the workers, to the
// same results as on the calling thread, tampered and unreadable envelopes failing there with the same errors.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DecodedMessage } from '@/client';
import { nodeInvitePool } from '@/client/node/invite-pool';
import { initNodeSecp256k1 } from '@/client/node/secp256k1-wasm';
import { coldClient, createClient, newWallet, startTestNode, type TestNode } from '../helpers';

const MESSAGES = 130; // more than a page (100), so the workers see more than one page

let node: TestNode;
beforeAll(async () => {
  await initNodeSecp256k1();
  node = await startTestNode();
});
afterAll(async () => {
  await node.close();
});

/** What a reader sees of a message, without the conversation object. */
const seen = (m: DecodedMessage) => ({
  id: m.id,
  senderAddress: m.senderAddress,
  sent: m.sent.getTime(),
  content: m.content,
  error: m.error,
});

it('reads a conversation on the worker pool exactly as on the calling thread', { timeout: 60_000 }, async () => {
  const alice = await createClient(newWallet(), node.url);
  const bob = await createClient(newWallet(), node.url);
  const conversation = await alice.conversations.newConversation(bob.address, { conversationId: 'pooled' });
  const sent = [];
  for (let i = 0; i < MESSAGES; i++) sent.push(await conversation.send(`message ${i}`));
  // One envelope that is not a message at all, and a genuine one with a ciphertext byte flipped.
  const [genuine] = await alice.api.query(conversation.topic, { limit: 1 });
  const tampered = genuine!.message.slice();
  tampered[tampered.length - 40] = tampered[tampered.length - 40]! ^ 0x01;
  const lastNs = BigInt(sent.at(-1)!.sent.getTime()) * 1_000_000n;
  await alice.api.publish([
    { contentTopic: conversation.topic, timestampNs: lastNs + 1n, message: new Uint8Array([1, 2, 3]) },
    { contentTopic: conversation.topic, timestampNs: lastNs + 2n, message: tampered },
  ]);
  const keyBundle = bob.exportKeyBundle();
  await bob.close();

  const pooled = await coldClient(keyBundle, node.url, { inviteOpener: nodeInvitePool({ size: 2 }) });
  await pooled.inviteOpener.ready();
  const [onPool] = await pooled.conversations.list();
  const pooledMessages = await onPool!.messages();
  expect(pooled.inviteOpener.opened.messagesInWorkers).toBe(MESSAGES + 2);
  expect(pooled.stats.messagesDecrypted).toBe(MESSAGES);

  const single = await coldClient(keyBundle, node.url);
  const [onThread] = await single.conversations.list();
  const threadMessages = await onThread!.messages();
  expect(single.inviteOpener.opened.messagesInWorkers).toBe(0);

  expect(pooledMessages.map(seen)).toEqual(threadMessages.map(seen));
  expect(pooledMessages.slice(0, MESSAGES).map((m) => m.content)).toEqual(sent.map((m) => m.content));
  expect(pooledMessages.slice(0, MESSAGES).every((m) => m.senderAddress === alice.address)).toBe(true);
  const [junk, flipped] = pooledMessages.slice(MESSAGES).map((m) => m.error?.code);
  expect(junk).toBeDefined();
  expect(flipped).toBe('decryption_failed');
  await Promise.all([pooled.close(), single.close(), alice.close()]);
});
