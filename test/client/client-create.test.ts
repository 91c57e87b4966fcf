import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@/client';
import { MemoryPersistence } from '@/client/persistence';
import { FilePersistence } from '@/client/node/file-persistence';
import { decodePrivateKeyBundle, encodePrivateKeyBundle } from '@/protocol/bundles';
import { toHex } from '@/protocol/bytes';
import { decodeContactBundle, encodeContactBundle } from '@/protocol/contact';
import { createPrivateKeyBundle } from '@/protocol/identity';
import { Keyring } from '@/protocol/keyring';
import { contactTopic, privateStoreTopic } from '@/protocol/topics';
import { ApiClient } from '@/client/api';
import { TokenAuthenticator } from '@/client/identity/authenticator';
import { xmtp } from '@/protocol/gen/xmtp';
import { enableIdentityText, sealPrivateKeyBundle } from '@/protocol/private-store';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, injectEnvelopes, newWallet, startTestNode, type TestNode } from './helpers';

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.close();
});

describe('Client.create', () => {
  it('creates a new identity with Create then Enable signatures and publishes V1 then V2 contact bundles', async () => {
    const wallet = newWallet();
    const steps: string[] = [];
    const client = await createClient(wallet, node.url, { onProgress: (step) => steps.push(step) });
    expect(client.address).toBe(wallet.address);
    expect(wallet.signed.map((t) => t.split('\n')[0])).toEqual([
      'XMTP : Create Identity',
      'XMTP : Enable Identity',
    ]);
    expect(steps).toContain('create-identity');
    expect(steps).toContain('publish-contact');

    const api = new ApiClient({ nodes: [node.url] });
    const stored = await api.query(privateStoreTopic(wallet.address));
    expect(stored).toHaveLength(1);
    const contacts = await api.query(contactTopic(wallet.address), { direction: 'ascending' });
    expect(contacts.map((e) => decodeContactBundle(e.message).version)).toEqual(['v1', 'v2']);
    await client.close();
  });

  it('loads an existing identity from the private store with one Enable signature and republishes nothing', async () => {
    const wallet = newWallet();
    const first = await createClient(wallet, node.url);
    wallet.signed.length = 0;
    const second = await createClient(wallet, node.url);
    expect(wallet.signed).toHaveLength(1);
    expect(wallet.signed[0]).toMatch(/^XMTP : Enable Identity\n[0-9a-f]{64}\n/);
    expect(toHex(second.exportKeyBundle())).toBe(toHex(first.exportKeyBundle()));
    const api = new ApiClient({ nodes: [node.url] });
    expect(await api.query(contactTopic(wallet.address))).toHaveLength(2);
  });

  it('loads a bundle stored in the legacy bare layout and stores it again in the current one', async () => {
    const wallet = newWallet();
    const bundle = await createPrivateKeyBundle(wallet);
    const walletPreKey = new Uint8Array(32).fill(7);
    const sealed = await sealPrivateKeyBundle(
      bundle,
      walletPreKey,
      await wallet.signMessage(enableIdentityText(walletPreKey)),
    );
    const bare = xmtp.message_contents.EncryptedPrivateKeyBundleV1.encode(
      xmtp.message_contents.EncryptedPrivateKeyBundle.decode(sealed).v1!,
    ).finish();
    const api = new ApiClient({
      nodes: [node.url],
      authenticator: new TokenAuthenticator(bundle.identityKey, wallet.address),
    });
    const topic = privateStoreTopic(wallet.address);
    await api.publish([
      { contentTopic: topic, timestampNs: BigInt(Date.now() - 1000) * 1_000_000n, message: bare },
    ]);
    wallet.signed.length = 0;
    const client = await createClient(wallet, node.url, { skipContactPublishing: true });
    expect(toHex(client.exportKeyBundle())).toBe(toHex(encodePrivateKeyBundle(bundle)));
    expect(wallet.signed.map((t) => t.split('\n')[0])).toEqual([
      'XMTP : Enable Identity',
      'XMTP : Enable Identity',
    ]);
    const stored = await api.query(topic, { direction: 'descending' });
    expect(stored).toHaveLength(2);
    expect(
      xmtp.message_contents.EncryptedPrivateKeyBundle.decode(stored[0]!.message).v1?.walletPreKey,
    ).toHaveLength(32);
  });

  it('uses a given key bundle without any signature and keeps keys local with keyStorage local', async () => {
    const wallet = newWallet();
    const bundle = await createPrivateKeyBundle(wallet);
    const keyBundle = encodePrivateKeyBundle(bundle);
    wallet.signed.length = 0;
    const client = await createClient(null, node.url, { keyBundle });
    expect(client.address).toBe(wallet.address);
    expect(wallet.signed).toHaveLength(0);

    const local = newWallet();
    const localClient = await createClient(local, node.url, { keyStorage: 'local' });
    expect(local.signed.map((t) => t.split('\n')[0])).toEqual(['XMTP : Create Identity']);
    const api = new ApiClient({ nodes: [node.url] });
    expect(await api.query(privateStoreTopic(local.address))).toHaveLength(0);
    expect(await localClient.canMessage(local.address)).toBe(true);
  });

  it('refuses a key bundle of another wallet, and a call with neither signer nor key bundle', async () => {
    const bundle = encodePrivateKeyBundle(await createPrivateKeyBundle(newWallet()));
    await expect(createClient(newWallet(), node.url, { keyBundle: bundle })).rejects.toMatchObject({
      code: 'wallet_mismatch',
    });
    await expect(createClient(null, node.url)).rejects.toMatchObject({ code: 'invalid_options' });
  });

  it('publishes only the V1 contact bundle with publishLegacyContact', async () => {
    const wallet = newWallet();
    await createClient(wallet, node.url, { publishLegacyContact: true });
    const api = new ApiClient({ nodes: [node.url] });
    const contacts = await api.query(contactTopic(wallet.address));
    expect(contacts.map((e) => decodeContactBundle(e.message).version)).toEqual(['v1']);
  });

  it('exports an encrypted key bundle that imports back with the same wallet', async () => {
    const wallet = newWallet();
    const client = await createClient(wallet, node.url, { skipContactPublishing: true });
    const encrypted = await client.exportEncryptedKeyBundle(wallet);
    const imported = await Client.importEncryptedKeyBundle(encrypted, wallet);
    expect(decodePrivateKeyBundle(imported).bundle.identityKey.secretKey).toEqual(
      decodePrivateKeyBundle(client.exportKeyBundle()).bundle.identityKey.secretKey,
    );
    await expect(Client.importEncryptedKeyBundle(encrypted, newWallet())).rejects.toThrow();
  });
});

describe('canMessage', () => {
  it('answers for single addresses, batches, the static form, and invalid addresses', async () => {
    const alice = newWallet();
    const bob = newWallet();
    const client = await createClient(alice, node.url);
    await createClient(bob, node.url, { publishLegacyContact: true });
    const stranger = newWallet().address;
    expect(await client.canMessage(bob.address)).toBe(true);
    expect(await client.canMessage(bob.address.toLowerCase())).toBe(true);
    expect(await client.canMessage(stranger)).toBe(false);
    expect(await client.canMessage('not an address')).toBe(false);
    expect(await client.canMessage([bob.address, stranger, 'nope', alice.address])).toEqual([
      true,
      false,
      false,
      true,
    ]);
    expect(await Client.canMessage([bob.address, stranger], { nodes: [node.url] })).toEqual([true, false]);
    expect(await Client.canMessage(bob.address, { nodes: [node.url] })).toBe(true);
  });

  it('rejects a contact bundle signed by another wallet', async () => {
    const victim = newWallet();
    const attacker = newWallet();
    const attackerBundle = Keyring.fromBundle(await createPrivateKeyBundle(attacker));
    // The node refuses to publish it (topic ownership), so it is written to the store directly.
    await injectEnvelopes(node.dataDir, [
      {
        contentTopic: contactTopic(victim.address),
        timestampNs: BigInt(Date.now()) * 1_000_000n,
        message: encodeContactBundle({ version: 'v2', keyBundle: attackerBundle.signedBundle }),
      },
    ]);
    const client = await createClient(newWallet(), node.url);
    expect(await client.canMessage(victim.address)).toBe(false);
    expect(await client.canMessage([victim.address])).toEqual([false]);
    await expect(client.conversations.newConversation(victim.address)).rejects.toMatchObject({
      code: 'recipient_not_on_network',
    });
  });
});

describe('persistence', () => {
  it('stores, reads and deletes bytes in memory and in files, atomically replacing values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'xmtp-persist-'));
    try {
      for (const p of [new MemoryPersistence(), new FilePersistence(dir)]) {
        expect(await p.get('a/b:c')).toBeUndefined();
        await p.set('a/b:c', new Uint8Array([1, 2, 3]));
        await p.set('a/b:c', new Uint8Array([4, 5]));
        expect(await p.get('a/b:c')).toEqual(new Uint8Array([4, 5]));
        await p.delete('a/b:c');
        expect(await p.get('a/b:c')).toBeUndefined();
        await p.delete('missing');
      }
      // A new FilePersistence over the same directory sees what the first one wrote.
      await new FilePersistence(dir).set('k', new Uint8Array([9]));
      expect(await new FilePersistence(dir).get('k')).toEqual(new Uint8Array([9]));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  // Issue #21 item 4: a peer node can relay envelopes into a wallet's private store without its token (nodes now
  // refuse far-future ones there, but a current one still lands). The client skips what it cannot open.
  it('skips newer stored bundles it cannot open (junk, a forgery, another wallet’s) and loads its own', async () => {
    const wallet = newWallet();
    const first = await createClient(wallet, node.url);
    const topic = privateStoreTopic(wallet.address);
    const soon = (ms: number) => BigInt(Date.now() + ms) * 1_000_000n;
    const forged = await sealPrivateKeyBundle(
      await createPrivateKeyBundle(newWallet()),
      new Uint8Array(32).fill(9),
      new Uint8Array(65).fill(1), // not the wallet's signature: it cannot decrypt
    );
    const stranger = newWallet();
    const theirs = await sealPrivateKeyBundle(
      await createPrivateKeyBundle(stranger),
      new Uint8Array(32).fill(5),
      await stranger.signMessage(enableIdentityText(new Uint8Array(32).fill(5))),
    );
    await injectEnvelopes(node.dataDir, [
      { contentTopic: topic, timestampNs: soon(60_000), message: new Uint8Array([0x0a, 0xff, 0xff]) },
      { contentTopic: topic, timestampNs: soon(50_000), message: forged },
      { contentTopic: topic, timestampNs: soon(40_000), message: theirs },
    ]);
    wallet.signed.length = 0;
    const second = await createClient(wallet, node.url);
    expect(toHex(second.exportKeyBundle())).toBe(toHex(first.exportKeyBundle()));
    // One Enable Identity signature per bundle that could be tried: the forgery, the stranger's, its own.
    expect(wallet.signed.filter((t) => t.startsWith('XMTP : Enable Identity'))).toHaveLength(3);
  });

  it('refuses, creating nothing, when the private store holds only bundles it cannot open', async () => {
    const wallet = newWallet();
    const topic = privateStoreTopic(wallet.address);
    const forged = await sealPrivateKeyBundle(
      await createPrivateKeyBundle(newWallet()),
      new Uint8Array(32).fill(3),
      new Uint8Array(65).fill(2),
    );
    await injectEnvelopes(node.dataDir, [
      { contentTopic: topic, timestampNs: BigInt(Date.now()) * 1_000_000n, message: forged },
    ]);
    await expect(createClient(wallet, node.url)).rejects.toMatchObject({ code: 'decryption_failed' });
    expect(wallet.signed.map((t) => t.split('\n')[0])).toEqual(['XMTP : Enable Identity']);
    const api = new ApiClient({ nodes: [node.url] });
    expect(await api.query(contactTopic(wallet.address))).toHaveLength(0);
    expect(await api.query(topic)).toHaveLength(1);
  });
});
