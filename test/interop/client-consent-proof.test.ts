// Consent proofs in invitations (§11): an invitation carrying our wallet's signed grant allows its sender.
import { afterAll, beforeAll, expect, it } from 'vitest';
import Long from 'long';
import { Client as XmtpJs } from '@xmtp/xmtp-js';
import { consentProofText } from '@/protocol/consent-proof';
import { createClient, newWallet, startTestNode, xmtpJsWallet, type TestNode } from '../client/helpers';

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.close();
});

const jsOptions = () => ({ env: 'local' as const, apiUrl: node.url, persistConversations: false });

it('allows an xmtp-js sender whose invitation carries our valid consent proof, and not a forged one', async () => {
  const oursWallet = newWallet();
  const ours = await createClient(oursWallet, node.url);
  const js = await XmtpJs.create(xmtpJsWallet(newWallet()), jsOptions());
  const timestamp = Date.now() - 1000;
  const signature = await oursWallet.signMessage(consentProofText(timestamp, js.address));
  await js.conversations.newConversation(ours.address, undefined, {
    signature,
    timestamp: Long.fromNumber(timestamp, true),
    payloadVersion: 1,
  });
  // A proof signed by someone else's wallet grants nothing.
  const other = await XmtpJs.create(xmtpJsWallet(newWallet()), jsOptions());
  const forged = await newWallet().signMessage(consentProofText(timestamp, other.address));
  await other.conversations.newConversation(ours.address, undefined, {
    signature: forged,
    timestamp: Long.fromNumber(timestamp, true),
    payloadVersion: 1,
  });

  expect(await ours.conversations.list()).toHaveLength(2);
  expect(ours.contacts.consentState(js.address)).toBe('allowed');
  expect(ours.contacts.consentState(other.address)).toBe('unknown');
});

it('sends a consent proof that xmtp-js accepts', async () => {
  const jsWallet = newWallet();
  const js = await XmtpJs.create(xmtpJsWallet(jsWallet), jsOptions());
  const ours = await createClient(newWallet(), node.url);
  const timestamp = Date.now() - 1000;
  const signature = await jsWallet.signMessage(consentProofText(timestamp, ours.address));
  await ours.conversations.newConversation(js.address, undefined, {
    signature,
    timestampMs: BigInt(timestamp),
    payloadVersion: 1,
  });
  const [convo] = await js.conversations.list();
  expect(convo!.consentProof?.signature).toBe(signature);
  // xmtp-js applies consent proofs when it loads its consent list.
  await js.contacts.refreshConsentList();
  expect(js.contacts.isAllowed(ours.address)).toBe(true);
});
