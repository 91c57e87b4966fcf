// Identities move between xmtp-js 13.0.4 and our client through the network private store (§4).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client as XmtpJs } from '@xmtp/xmtp-js';
import { toHex } from '@/protocol/bytes';
import { decodePrivateKeyBundle } from '@/protocol/bundles';
import { createClient, newWallet, startTestNode, xmtpJsWallet, type TestNode } from '../client/helpers';

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.close();
});

const jsOptions = () => ({ env: 'local' as const, apiUrl: node.url, persistConversations: false });

it('loads an identity created by xmtp-js from the private store', async () => {
  const wallet = newWallet();
  const js = await XmtpJs.create(xmtpJsWallet(wallet), jsOptions());
  wallet.signed.length = 0;
  const ours = await createClient(wallet, node.url);
  expect(ours.address).toBe(js.address);
  expect(wallet.signed).toHaveLength(1);
  const jsKeys = decodePrivateKeyBundle(await XmtpJs.getKeys(xmtpJsWallet(wallet), jsOptions())).bundle;
  expect(toHex(decodePrivateKeyBundle(ours.exportKeyBundle()).bundle.identityKey.secretKey)).toBe(
    toHex(jsKeys.identityKey.secretKey),
  );
  // xmtp-js published a V2 contact bundle equal to ours, so nothing new was published.
  expect(await js.canMessage(ours.address)).toBe(true);
});

it('creates an identity that xmtp-js loads from the private store', async () => {
  const wallet = newWallet();
  const ours = await createClient(wallet, node.url);
  const js = await XmtpJs.create(xmtpJsWallet(wallet), jsOptions());
  expect(js.address).toBe(ours.address);
  expect(toHex(js.publicKeyBundle.identityKey.secp256k1Uncompressed.bytes)).toBe(
    toHex(decodePrivateKeyBundle(ours.exportKeyBundle()).bundle.identityKey.publicKey.publicKey),
  );
  expect(await XmtpJs.canMessage(ours.address, jsOptions())).toBe(true);
});
