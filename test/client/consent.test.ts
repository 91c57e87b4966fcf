// Consent (docs/protocol.md §11) between our ConsentManager and xmtp-js 13.0.4, both on our node with auth on.
// xmtp-js derives the userpreferences topic and key from its identity key, so ours loads the same bundle.
import * as xmtpjs from '@xmtp/xmtp-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import WebSocket from 'ws';
import { Client } from '@/client';
import { ApiClient } from '@/client/api';
import { ConsentManager, type ConsentChange } from '@/client/consent/consent-manager';
import { privatePreferencesTopic } from '@/protocol/preferences';
import { TokenAuthenticator } from '@/client/identity/authenticator';
import { MemoryPersistence } from '@/client/persistence';
import { startNode, type XmtpNode } from '@/network/node';
import { decodePrivateKeyBundle, type PrivateKeyBundleV1 } from '@/protocol/bundles';
import { bundleWalletAddress } from '@/protocol/identity';
import { randomSecretKey, publicKeyOf } from '@/protocol/signature';

function newWallet() {
  const account = privateKeyToAccount(generatePrivateKey());
  return {
    address: account.address,
    getAddress: async () => account.address,
    signMessage: (message: string) => account.signMessage({ message }),
  };
}

const peer = () => newWallet().address;

let node: XmtpNode;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'consent-test-'));
  node = await startNode({ port: 0, dataDir, auth: true, rateLimit: false });
});

afterAll(async () => {
  await node?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** One identity, loaded into xmtp-js (from its own generated bundle) and into ours. */
async function identity() {
  const theirs = await xmtpjs.PrivateKeyBundleV1.generate(newWallet());
  const encoded = theirs.encode();
  const xmtpClient = await xmtpjs.Client.create(null, {
    privateKeyOverride: encoded,
    apiUrl: node.url,
    skipContactPublishing: true,
  });
  const { bundle } = decodePrivateKeyBundle(encoded);
  return { xmtpClient, bundle };
}

function apiFor(bundle: PrivateKeyBundleV1): ApiClient {
  return new ApiClient({
    nodes: [node.url],
    authenticator: new TokenAuthenticator(bundle.identityKey, bundleWalletAddress(bundle)),
  });
}

function manager(bundle: PrivateKeyBundleV1, persistence = new MemoryPersistence(), now?: () => number) {
  return ConsentManager.create({
    api: apiFor(bundle),
    identityKey: {
      secretKey: bundle.identityKey.secretKey,
      publicKey: bundle.identityKey.publicKey.publicKey,
    },
    persistence,
    now,
  });
}

describe('consent between ConsentManager and xmtp-js', () => {
  it('uses the userpreferences topic xmtp-js derives from the identity key', async () => {
    const { xmtpClient, bundle } = await identity();
    const ours = await manager(bundle);
    expect(ours.topic).toBe(await xmtpClient.keystore.getPrivatePreferencesTopic());
  });

  it('writes allow and deny actions that xmtp-js reads as the same states', async () => {
    const { xmtpClient, bundle } = await identity();
    const [a, b, c, d] = [peer(), peer(), peer(), peer()];
    const ours = await manager(bundle);
    await ours.allow([a, b.toLowerCase()]);
    await ours.deny([c]);
    await ours.deny([a]);

    await xmtpClient.contacts.refreshConsentList();
    expect(xmtpClient.contacts.isDenied(a)).toBe(true);
    expect(xmtpClient.contacts.isAllowed(b)).toBe(true);
    expect(xmtpClient.contacts.isDenied(c)).toBe(true);
    expect(xmtpClient.contacts.consentState(d)).toBe('unknown');
    expect([ours.consentState(a), ours.consentState(b), ours.consentState(c)]).toEqual([
      'denied',
      'allowed',
      'denied',
    ]);
  });

  it('reads the allow and deny actions xmtp-js writes, last one winning, case-insensitively', async () => {
    const { xmtpClient, bundle } = await identity();
    const [e, f, g] = [peer(), peer(), peer()];
    await xmtpClient.contacts.allow([e, f]);
    await xmtpClient.contacts.deny([f, g]);
    await xmtpClient.contacts.allow([g]);

    const ours = await manager(bundle);
    const result = await ours.refresh();
    expect(result).toEqual({ envelopes: 3, applied: 3, skipped: 0 });
    expect(ours.consentState(e)).toBe('allowed');
    expect(ours.consentState(f.toLowerCase())).toBe('denied');
    expect(ours.consentState(g.toUpperCase().replace('0X', '0x'))).toBe('allowed');
    expect(ours.consentState(peer())).toBe('unknown');
  });

  it('skips and counts envelopes on the topic that do not decrypt', async () => {
    const { bundle } = await identity();
    const api = apiFor(bundle);
    const topic = privatePreferencesTopic(bundle.identityKey.secretKey);
    const writer = await manager(bundle);
    const allowed = peer();
    await writer.allow([allowed]);
    // Garbage, and an action encrypted by another identity key, published on this identity's topic.
    const other = randomSecretKey();
    const stranger = await ConsentManager.create({
      api: {
        publish: (envs) => api.publish(envs.map((env) => ({ ...env, contentTopic: topic }))),
        queryPages: (topics, options) => api.queryPages(topics, options),
        subscribe: (topics, onEnvelope, options) => api.subscribe(topics, onEnvelope, options),
      },
      identityKey: { secretKey: other, publicKey: publicKeyOf(other) },
      persistence: new MemoryPersistence(),
    });
    await stranger.deny([allowed]);
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    await api.publish([{ contentTopic: topic, timestampNs: nowNs, message: new Uint8Array([1, 2, 3]) }]);

    const reader = await manager(bundle);
    expect(await reader.refresh()).toEqual({ envelopes: 3, applied: 1, skipped: 2 });
    expect(reader.consentState(allowed)).toBe('allowed');
  });

  it('refreshes incrementally from the last sync minus 10 s and keeps its list in persistence', async () => {
    const { bundle } = await identity();
    const [early, late] = [peer(), peer()];
    const writer = await manager(bundle);
    await writer.allow([early]);

    // The reader's clock runs a minute ahead, so its second refresh starts after the first action.
    const persistence = new MemoryPersistence();
    const ahead = () => Date.now() + 60_000;
    const reader = await manager(bundle, persistence, ahead);
    expect((await reader.refresh()).envelopes).toBe(1);

    const laterWriter = await manager(bundle, new MemoryPersistence(), () => Date.now() + 120_000);
    await laterWriter.deny([late, early]);
    const second = await reader.refresh();
    expect(second).toEqual({ envelopes: 1, applied: 1, skipped: 0 });
    expect(reader.consentState(early)).toBe('denied');

    const reopened = await manager(bundle, persistence, ahead);
    expect([reopened.consentState(early), reopened.consentState(late)]).toEqual(['denied', 'denied']);
    expect((await reopened.refresh({ full: true })).envelopes).toBe(2);
  });

  it('streams consent changes that xmtp-js publishes', async () => {
    const { xmtpClient, bundle } = await identity();
    const ours = await manager(bundle);
    const stream = ours.stream();
    const who = peer();
    const first = (async (): Promise<ConsentChange | undefined> => {
      for await (const change of stream) return change;
      return undefined;
    })();
    await xmtpClient.contacts.deny([who]);
    const change = await first;
    await stream.close();
    expect(change).toMatchObject({ address: who, state: 'denied', previous: 'unknown' });
    expect(ours.consentState(who)).toBe('denied');
  });

  it('agrees through client.contacts with xmtp-js signed in with the same wallet', async () => {
    const wallet = newWallet();
    const ours = await Client.create(wallet, { nodes: [node.url], WebSocket });
    // xmtp-js finds the identity our client stored on the network (privatestore, §4).
    const theirs = await xmtpjs.Client.create(wallet, { apiUrl: node.url, env: 'local' });
    const [x, y] = [peer(), peer()];
    await ours.contacts.deny([x]);
    await theirs.contacts.allow([y]);
    await theirs.contacts.refreshConsentList();
    await ours.contacts.refreshConsentList();
    expect([theirs.contacts.consentState(x), theirs.contacts.consentState(y)]).toEqual(['denied', 'allowed']);
    expect([ours.contacts.consentState(x), ours.contacts.consentState(y)]).toEqual(['denied', 'allowed']);
    await ours.close();
    await theirs.close();
  });

  it('rejects an invalid address before publishing anything', async () => {
    const { bundle } = await identity();
    const ours = await manager(bundle);
    await expect(ours.allow(['0x1234'])).rejects.toMatchObject({ code: 'invalid_address' });
    expect(await ours.refresh()).toEqual({ envelopes: 0, applied: 0, skipped: 0 });
  });
});
