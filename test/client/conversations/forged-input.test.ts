// Forged or tampered input is skipped or flagged, never fatal to the rest of a list or page.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConversationV2 } from '@/client';
import { utf8 } from '@/protocol/bytes';
import { ciphertextFromProto, decrypt, encrypt } from '@/protocol/cipher';
import { textCodec, encodeEncodedContent } from '@/protocol/content';
import { encodeMessageV2Frame } from '@/protocol/frame';
import { xmtp } from '@/protocol/gen/xmtp';
import { createInvitation } from '@/protocol/invitation';
import { decodeMessage } from '@/protocol/message';
import { encodeMessageV1 } from '@/protocol/message-v1';
import { encodeMessageV2 } from '@/protocol/message-v2';
import { inviteTopic } from '@/protocol/topics';
import { toLong } from '@/protocol/long';
import { createClient, newWallet, startTestNode, type TestNode } from '../helpers';

import pb = xmtp.message_contents;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.close();
});

it('skips invitations with a broken header and still lists the others', async () => {
  const carol = await createClient(newWallet(), node.url);
  const honest = await createClient(newWallet(), node.url);
  const good = await honest.conversations.newConversation(carol.address);

  const mallory = await createClient(newWallet(), node.url);
  const created = await createInvitation(mallory.keyring, carol.keyring.signedBundle);
  const sealed = pb.SealedInvitation.decode(created.sealed);
  const header = pb.SealedInvitationHeaderV1.decode(sealed.v1!.headerBytes!);
  // The header is the ciphertext's AAD: a changed created_ns no longer decrypts.
  const tamperedNs = created.createdNs + 1_000_000n;
  header.createdNs = toLong(tamperedNs);
  const tampered = pb.SealedInvitation.encode({
    v1: {
      headerBytes: pb.SealedInvitationHeaderV1.encode(header).finish(),
      ciphertext: sealed.v1!.ciphertext,
    },
  }).finish();
  const topic = inviteTopic(carol.address);
  await mallory.api.publish([
    { contentTopic: topic, timestampNs: tamperedNs, message: tampered },
    // Header bytes that are not a header at all.
    {
      contentTopic: topic,
      timestampNs: created.createdNs,
      message: pb.SealedInvitation.encode({
        v1: { headerBytes: utf8('not a header'), ciphertext: sealed.v1!.ciphertext },
      }).finish(),
    },
    // A valid invitation whose envelope timestamp differs from its header (§8.3).
    { contentTopic: topic, timestampNs: created.createdNs + 5n, message: created.sealed },
    { contentTopic: topic, timestampNs: created.createdNs, message: utf8('garbage') },
  ]);

  const list = await carol.conversations.list();
  expect(list.map((c) => c.topic)).toEqual([good.topic]);
  expect(carol.stats.invitationsOpened).toBe(5);
});

it('flags a message whose signature does not verify and keeps the rest of the page', async () => {
  const alice = await createClient(newWallet(), node.url);
  const bob = await createClient(newWallet(), node.url);
  const convo = (await alice.conversations.newConversation(bob.address)) as ConversationV2;
  await convo.send('before');
  // Distinct milliseconds keep the page order fixed (same-ms envelopes are ordered by digest).
  await sleep(5);

  // Mallory holds the key material (any party could) and swaps the payload under alice's signature.
  const keys = { topic: convo.topic, keyMaterial: convo.keyMaterial };
  const original = await encodeMessageV2(
    alice.keyring,
    keys,
    encodeEncodedContent(textCodec.encode('signed', alice.codecs)),
  );
  const v2 = decodeMessage(original.messageBytes).v2!;
  const plaintext = await decrypt(ciphertextFromProto(v2.ciphertext), keys.keyMaterial, original.headerBytes);
  const signed = pb.SignedContent.decode(plaintext);
  signed.payload = encodeEncodedContent(textCodec.encode('forged', alice.codecs));
  const reencrypted = await encrypt(
    pb.SignedContent.encode(signed).finish(),
    keys.keyMaterial,
    original.headerBytes,
  );
  const forged = encodeMessageV2Frame(original.headerBytes, reencrypted, original.senderHmac, true);
  await bob.api.publish([{ contentTopic: convo.topic, timestampNs: original.createdNs, message: forged }]);
  // And an envelope that is no message at all.
  await bob.api.publish([
    { contentTopic: convo.topic, timestampNs: original.createdNs + 1n, message: utf8('junk') },
  ]);
  await sleep(5);
  await convo.send('after');

  const [bobsConvo] = await bob.conversations.list();
  const page = await bobsConvo!.messages();
  expect(page).toHaveLength(4);
  expect(page[0]!.content).toBe('before');
  expect(page[1]!.error?.code).toBe('invalid_signature');
  expect(page[1]!.content).toBeUndefined();
  expect(page[2]!.error?.code).toBe('malformed_protobuf');
  expect(page[3]!.content).toBe('after');
  expect(page[3]!.senderAddress).toBe(alice.address);
});

it('flags V1 messages from a third party or with a tampered ciphertext on a dm topic', async () => {
  const alice = await createClient(newWallet(), node.url);
  const bob = await createClient(newWallet(), node.url, { publishLegacyContact: true });
  const convo = await alice.conversations.newConversation(bob.address);
  expect(convo.version).toBe('v1');
  await convo.send('real');

  const mallory = await createClient(newWallet(), node.url);
  const payload = encodeEncodedContent(textCodec.encode('spoofed', mallory.codecs));
  const spoof = await encodeMessageV1(mallory.keyring, bob.keyring.publicBundle, payload);
  const genuine = await encodeMessageV1(alice.keyring, bob.keyring.publicBundle, payload);
  const tampered = genuine.messageBytes.slice();
  tampered[tampered.length - 1]! ^= 1;
  await mallory.api.publish([
    { contentTopic: convo.topic, timestampNs: spoof.timestampNs, message: spoof.messageBytes },
    { contentTopic: convo.topic, timestampNs: genuine.timestampNs + 1n, message: tampered },
  ]);
  await convo.send('real again');

  const [bobs] = await bob.conversations.list();
  const page = await bobs!.messages();
  // Messages sent in the same ms are ordered by digest, so compare without order.
  expect(page.map((m) => m.content ?? m.error?.code).sort()).toEqual(
    ['real', 'topic_mismatch', 'decryption_failed', 'real again'].sort(),
  );
  expect(page.find((m) => m.content === 'real again')?.senderAddress).toBe(alice.address);
});
