// The official @xmtp/xmtp-js 13.0.4 against our node with auth on: identities, the private
// store, contact bundles, V1 and V2 conversations, streams, and the 403 on a foreign contact topic.
import { Client } from '@xmtp/xmtp-js';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestNode } from '../network/helpers';
import type { TestNode } from '../network/helpers';

let node: TestNode;

function newWallet() {
  const account = privateKeyToAccount(generatePrivateKey());
  return {
    address: account.address,
    getAddress: async () => account.address,
    signMessage: (message: string | Uint8Array) =>
      account.signMessage({ message: typeof message === 'string' ? message : { raw: message } }),
  };
}

const options = (extra: Record<string, unknown> = {}) => ({
  env: 'local' as const,
  apiUrl: node.url,
  ...extra,
});

/** Ends an xmtp-js stream (a generator or its Stream class). */
const stop = (stream: unknown) => (stream as { return?: () => Promise<unknown> }).return?.();

/** Collects a stream's first `n` items (or fails after `ms`). */
async function take<T>(stream: AsyncIterable<T>, n: number, ms = 10_000): Promise<T[]> {
  const out: T[] = [];
  const timer = setTimeout(() => void stop(stream), ms);
  for await (const item of stream) {
    out.push(item);
    if (out.length >= n) break;
  }
  clearTimeout(timer);
  return out;
}

beforeAll(async () => {
  // Auth on, rate limits at the reference values: xmtp-js must work unchanged.
  node = await startTestNode({ auth: true, rateLimit: undefined });
});
afterAll(() => node.close());

describe('xmtp-js 13.0.4 against our node (auth on)', () => {
  let aliceWallet: ReturnType<typeof newWallet>;
  let bobWallet: ReturnType<typeof newWallet>;
  let alice: Client;
  let bob: Client;

  beforeAll(async () => {
    aliceWallet = newWallet();
    bobWallet = newWallet();
    [alice, bob] = await Promise.all([
      Client.create(aliceWallet, options()),
      Client.create(bobWallet, options()),
    ]);
  });

  it('creates identities, and a fresh client loads them from the private store', async () => {
    expect(alice.address).toBe(aliceWallet.address);
    const again = await Client.create(aliceWallet, options());
    expect(again.address).toBe(alice.address);
    expect(again.publicKeyBundle.identityKey.secp256k1Uncompressed.bytes).toEqual(
      alice.publicKeyBundle.identityKey.secp256k1Uncompressed.bytes,
    );
  });

  it('answers canMessage from published contact bundles', async () => {
    expect(await alice.canMessage(bob.address)).toBe(true);
    expect(await Client.canMessage(bob.address, options())).toBe(true);
    expect(await alice.canMessage(newWallet().address)).toBe(false);
  });

  it('runs V2 conversations with and without a conversationId, both ways, with live streams', async () => {
    const plain = await alice.conversations.newConversation(bob.address);
    const withId = await alice.conversations.newConversation(bob.address, {
      conversationId: 'xmtp.org/interop/node',
      metadata: { test: 'yes' },
    });
    expect(plain.topic).not.toBe(withId.topic);

    const bobAll = await bob.conversations.streamAllMessages();
    const alicePlain = await plain.streamMessages();
    try {
      await plain.send('hello bob');
      const bobPlain = (await bob.conversations.list()).find((c) => c.topic === plain.topic);
      expect(bobPlain).toBeDefined();
      await bobPlain!.send('hello alice');
      await withId.send('with an id');

      const live = await take(bobAll, 3);
      expect(live.map((m) => m.content)).toEqual(['hello bob', 'hello alice', 'with an id']);
      const aliceLive = await take(alicePlain, 2);
      expect(aliceLive.map((m) => m.content)).toEqual(['hello bob', 'hello alice']);

      expect((await plain.messages()).map((m) => m.content)).toEqual(['hello bob', 'hello alice']);
      const bobWithId = (await bob.conversations.list()).find((c) => c.topic === withId.topic);
      expect(bobWithId?.context?.conversationId).toBe('xmtp.org/interop/node');
      expect((await bobWithId!.messages()).map((m) => m.content)).toEqual(['with an id']);
    } finally {
      await stop(bobAll);
      await stop(alicePlain);
    }
  });

  it('runs a V1 conversation with a peer that published a legacy contact', async () => {
    const carolWallet = newWallet();
    const carol = await Client.create(carolWallet, options({ publishLegacyContact: true }));
    const toCarol = await alice.conversations.newConversation(carol.address);
    expect(toCarol.conversationVersion).toBe('v1');
    const carolStream = await carol.conversations.streamAllMessages();
    try {
      await toCarol.send('v1 hello');
      const fromAlice = (await carol.conversations.list()).find((c) => c.peerAddress === alice.address);
      expect(fromAlice?.conversationVersion).toBe('v1');
      await fromAlice!.send('v1 reply');
      expect((await take(carolStream, 2)).map((m) => m.content)).toEqual(['v1 hello', 'v1 reply']);
      expect((await toCarol.messages()).map((m) => m.content)).toEqual(['v1 hello', 'v1 reply']);
    } finally {
      await stop(carolStream);
    }
  });

  it('refuses a publish to another wallet’s contact topic with 403', async () => {
    const api = (alice as unknown as { apiClient: { publish(m: unknown[]): Promise<unknown> } }).apiClient;
    const error = await api
      .publish([{ contentTopic: `/xmtp/0/contact-${bob.address}/proto`, message: new Uint8Array([1, 2, 3]) }])
      .then(
        () => undefined,
        (e: unknown) => e as { code?: number; message: string },
      );
    expect(error?.message).toBe('publishing to restricted topic');
    expect(error?.code).toBe(7);
  });
});
