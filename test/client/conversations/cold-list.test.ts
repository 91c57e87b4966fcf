// A cold list of invitations from many different senders, opened on the Node worker pool: forged invitations
// are dropped there as on the calling thread, listStream() shows the newest first and ends with what list()
// returns, and both openers agree invitation by invitation. Then a V2 conversation's history read through the
// pool: every message decoded in the workers, to the same results as on the calling thread, tampered and
// unreadable envelopes failing there with the same errors.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Conversation, DecodedMessage } from '@/client';
import { inThreadOpener } from '@/client/conversations/invite-opener';
import { nodeInvitePool } from '@/client/node/invite-pool';
import { initNodeSecp256k1 } from '@/client/node/secp256k1-wasm';
import type { PrivateKeyBundleV1 } from '@/protocol/bundles';
import { encodePrivateKeyBundle } from '@/protocol/bundles';
import { createPrivateKeyBundle } from '@/protocol/identity';
import { createInvitation } from '@/protocol/invitation';
import { Keyring } from '@/protocol/keyring';
import { inviteTopic } from '@/protocol/topics';
import { coldClient, createClient, newWallet, startTestNode, type TestNode } from '../helpers';

const SENDERS = 70; // more than the first screen (50) opened on its own
const MESSAGES = 130; // more than a page (100), so the workers see more than one page

let node: TestNode;
beforeAll(async () => {
  await initNodeSecp256k1();
  node = await startTestNode();
});
afterAll(async () => {
  await node.close();
});

/** A sender whose prekey signature no longer verifies: everything else about its invitations is genuine. */
function withBrokenPreKeySignature(bundle: PrivateKeyBundleV1): Keyring {
  const preKey = bundle.preKeys[0]!;
  const signature = preKey.publicKey.signature!;
  const bytes = signature.bytes.slice();
  bytes[10] = bytes[10]! ^ 0x01;
  return Keyring.fromBundle({
    ...bundle,
    preKeys: [{ ...preKey, publicKey: { ...preKey.publicKey, signature: { ...signature, bytes } } }],
  });
}

/** SENDERS invitations to `recipient` from SENDERS identities, one a millisecond apart, plus two forged ones. */
async function seedInvitations(
  recipient: Keyring,
  publish: (e: Parameters<typeof inviteEnvelope>[0]) => Promise<void>,
) {
  const baseMs = Date.now() - 60_000;
  const honest: string[] = [];
  for (let i = 0; i < SENDERS; i++) {
    const sender = Keyring.fromBundle(await createPrivateKeyBundle(newWallet()));
    const created = await createInvitation(sender, recipient.signedBundle, {
      context: { conversationId: `cold/${i}`, metadata: {} },
      createdNs: BigInt(baseMs + i * 10) * 1_000_000n,
    });
    honest.push(created.invitation.topic);
    await publish({ created, recipient });
    if (i === 7 || i === 23) {
      // Sealed by a sender whose bundle signature is broken, in the middle of the honest ones.
      const forger = withBrokenPreKeySignature(await createPrivateKeyBundle(newWallet()));
      const forged = await createInvitation(forger, recipient.signedBundle, {
        context: { conversationId: `forged/${i}`, metadata: {} },
        createdNs: BigInt(baseMs + i * 10 + 5) * 1_000_000n,
      });
      await publish({ created: forged, recipient });
    }
  }
  return honest;
}

function inviteEnvelope(x: { created: Awaited<ReturnType<typeof createInvitation>>; recipient: Keyring }) {
  return {
    contentTopic: inviteTopic(x.recipient.address),
    timestampNs: x.created.createdNs,
    message: x.created.sealed,
  };
}

it('lists every honest invitation and none of the forged ones through the worker pool, newest first', async () => {
  const carol = await createClient(newWallet(), node.url);
  const keyBundle = carol.exportKeyBundle();
  const honest = await seedInvitations(carol.keyring, (x) => carol.api.publish([inviteEnvelope(x)]));
  await carol.close();

  const pooled = await coldClient(keyBundle, node.url, { inviteOpener: nodeInvitePool({ size: 2 }) });
  // Once its threads run, every invitation is opened on them.
  await pooled.inviteOpener.ready();
  const batches: Conversation[][] = [];
  for await (const batch of pooled.conversations.listStream()) batches.push(batch);
  const streamed = batches.flat();
  expect(pooled.inviteOpener.description).toMatch(/^workers ×2 \(libsecp256k1-wasm\)$/);
  expect(pooled.stats.invitationsOpened).toBe(SENDERS + 2);
  expect(pooled.inviteOpener.opened).toEqual({ inWorkers: SENDERS + 2, inThread: 0, messagesInWorkers: 0 });
  expect(new Set(streamed.map((c) => c.topic))).toEqual(new Set(honest));
  expect(streamed.map((c) => c.context?.conversationId).filter((id) => id?.startsWith('forged'))).toEqual([]);
  // Newest first: the V2 invitations come from the newest down.
  const times = streamed.map((c) => c.createdAt.getTime());
  expect(times).toEqual([...times].sort((a, b) => b - a));
  // The stream's conversations are list()'s.
  const listed = await pooled.conversations.list();
  expect(listed.map((c) => c.topic).sort()).toEqual(streamed.map((c) => c.topic).sort());
  expect(listed.map((c) => c.topic)).toEqual(honest);
  await pooled.close();

  // A second cold client on the single-thread path agrees.
  const single = await coldClient(keyBundle, node.url);
  expect(single.inviteOpener.description).toBe('in-thread');
  const singleBatches: Conversation[][] = [];
  for await (const batch of single.conversations.listStream()) singleBatches.push(batch);
  // The first screen: the newest page's first 50 come on their own, before the rest of that page is open.
  const newestFirst = (list: Conversation[]) => list.map((c) => c.createdAt.getTime()).sort((a, b) => b - a);
  const all = newestFirst(singleBatches.flat());
  // (Of the 50 newest invitations, any forged one is dropped: two are forged in all.)
  expect(singleBatches[0]!.length).toBeLessThanOrEqual(50);
  expect(singleBatches[0]!.length).toBeGreaterThanOrEqual(48);
  expect(singleBatches.length).toBeGreaterThan(1);
  expect(newestFirst(singleBatches[0]!)).toEqual(all.slice(0, singleBatches[0]!.length));
  expect(new Set(singleBatches.flat().map((c) => c.topic))).toEqual(new Set(honest));
  expect((await single.conversations.list()).map((c) => c.topic)).toEqual(honest);
  await single.close();
});

it('opens the same invitations to the same records on the pool as on the calling thread', async () => {
  const bundle = await createPrivateKeyBundle(newWallet());
  const me = Keyring.fromBundle(bundle);
  const envelopes: { message: Uint8Array; timestampNs: bigint }[] = [];
  await seedInvitations(me, async (x) => {
    envelopes.push({ message: x.created.sealed, timestampNs: x.created.createdNs });
  });
  // A valid invitation under the wrong envelope time is refused too (§8.3).
  envelopes.push({ ...envelopes[0]!, timestampNs: envelopes[0]!.timestampNs + 1n });
  const pool = nodeInvitePool({ size: 2 })({ keyBundle: encodePrivateKeyBundle(bundle), keyring: me });
  try {
    await pool.ready();
    const [pooled, local] = await Promise.all([pool.open(envelopes), inThreadOpener(me).open(envelopes)]);
    expect(pool.description).toMatch(/^workers ×2 \(libsecp256k1-wasm\)$/);
    expect(pooled).toEqual(local);
    expect(pooled.filter((r) => r !== undefined)).toHaveLength(SENDERS);
    expect(pooled.at(-1)).toBeUndefined();
    expect(pool.opened.inWorkers).toBe(envelopes.length);
  } finally {
    await pool.close();
  }
});

/** What a reader sees of a message, without the conversation object. */
const seen = (m: DecodedMessage) => ({
  id: m.id,
  senderAddress: m.senderAddress,
  sent: m.sent.getTime(),
  content: m.content,
  error: m.error,
});

it(
  'reads a conversation on the worker pool exactly as on the calling thread',
  { timeout: 60_000 },
  async () => {
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
  },
);
