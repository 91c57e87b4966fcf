// Clients on a network of nodes: xmtp-js 13.0.4 users on different nodes converse, and our ApiClient
// moves to another node when its node goes away mid-conversation, losing and repeating nothing.
import { Client } from '@xmtp/xmtp-js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '@/client/api';
import { TokenAuthenticator } from '@/client/identity/authenticator';
import { createPrivateKeyBundle } from '@/protocol/identity';
import type { Envelope } from '@/client/api/json';
import type { WebSocketConstructor } from '@/client/api/stream-connection';
import { post } from '../helpers';
import { addressOf, startP2pTestNode, waitFor, waitForMesh } from './helpers';
import type { P2pTestNode } from './helpers';

let nodes: P2pTestNode[] = [];

beforeAll(async () => {
  // Auth on and the reference rate limits: xmtp-js must work unchanged on any node.
  const opts = { auth: true, rateLimit: undefined };
  const a = await startP2pTestNode([], {}, opts);
  const b = await startP2pTestNode([addressOf(a)], {}, opts);
  const c = await startP2pTestNode([addressOf(a)], {}, opts);
  nodes = [a, b, c];
  await waitForMesh(nodes);
}, 30_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close()));
});

function newWallet() {
  const account = privateKeyToAccount(generatePrivateKey());
  return {
    address: account.address,
    getAddress: async () => account.address,
    signMessage: (message: string | Uint8Array) =>
      account.signMessage({ message: typeof message === 'string' ? message : { raw: message } }),
  };
}

async function contactStored(node: P2pTestNode, address: string): Promise<boolean> {
  const reply = await post(node, '/message/v1/query', {
    contentTopics: [`/xmtp/0/contact-${address}/proto`],
  });
  return reply.json.envelopes.length > 0;
}

describe('clients on different nodes', () => {
  it('lets xmtp-js 13.0.4 users on different nodes converse', async () => {
    const [a, b] = nodes as [P2pTestNode, P2pTestNode];
    const aliceWallet = newWallet();
    const bobWallet = newWallet();
    const [alice, bob] = await Promise.all([
      Client.create(aliceWallet, { env: 'local', apiUrl: a.url }),
      Client.create(bobWallet, { env: 'local', apiUrl: b.url }),
    ]);
    await waitFor("bob's contact bundle to reach alice's node", () => contactStored(a, bob.address));
    expect(await alice.canMessage(bob.address)).toBe(true);

    const bobStream = await bob.conversations.streamAllMessages();
    const toBob = await alice.conversations.newConversation(bob.address);
    await waitFor('the invitation to reach bob', async () => (await bob.conversations.list()).length === 1);
    const aliceStream = await toBob.streamMessages();
    await toBob.send('hello from node A');
    const first = await bobStream.next();
    expect(first.value?.content).toBe('hello from node A');
    expect(first.value?.senderAddress).toBe(alice.address);

    const [fromBob] = await bob.conversations.list();
    await fromBob!.send('hi from node B');
    // Alice's conversation stream also yields her own message first.
    const seenByAlice: string[] = [];
    for (let i = 0; i < 2; i++) seenByAlice.push((await aliceStream.next()).value?.content);
    expect(seenByAlice).toEqual(['hello from node A', 'hi from node B']);
    expect((await toBob.messages()).map((m) => m.content)).toEqual(['hello from node A', 'hi from node B']);
    // Ends xmtp-js streams (its generators and Stream class differ in their return() signatures).
    for (const stream of [bobStream, aliceStream]) await (stream as { return(): Promise<unknown> }).return();
  }, 60_000);

  it('lets the CLI move past a dead node (--node repeated) and reach a user on another node', async () => {
    const [, b, c] = nodes as [P2pTestNode, P2pTestNode, P2pTestNode];
    const bin = fileURLToPath(new URL('../../../bin/xmtp-inbox.js', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'xmtp-p2p-cli-'));
    const cli = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [bin, 'client', ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    try {
      const [alice, bob] = await Promise.all(
        ['alice', 'bob'].map(async (name) => {
          const keyFile = join(dir, `${name}.key`);
          const created = await cli(['--create-key', keyFile]);
          expect(created.code).toBe(0);
          return { keyFile, dataDir: join(dir, name), address: created.stdout.trim() };
        }),
      );
      // Alice's first node is down; Bob uses another node of the network.
      const asAlice = ['--node', 'http://127.0.0.1:9', '--node', b.url, '--key-file', alice!.keyFile];
      const asBob = ['--node', c.url, '--key-file', bob!.keyFile];
      const made = await Promise.all([
        cli(['whoami', ...asAlice, '--data-dir', alice!.dataDir]),
        cli(['whoami', ...asBob, '--data-dir', bob!.dataDir]),
      ]);
      expect(made.map((r) => r.code)).toEqual([0, 0]);
      await waitFor("bob's contact bundle to reach node B", () => contactStored(b, bob!.address));
      const sent = await cli([
        'send',
        bob!.address,
        'across the network',
        ...asAlice,
        '--data-dir',
        alice!.dataDir,
      ]);
      expect(sent.code).toBe(0);
      let read = '';
      await waitFor('the message on node C', async () => {
        read = (await cli(['messages', alice!.address, '--json', ...asBob, '--data-dir', bob!.dataDir]))
          .stdout;
        return read.includes('across the network');
      });
      const lines = read.split('\n').filter((l) => l.includes('across the network'));
      expect(lines).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('fails over to another node mid-conversation, losing and repeating nothing', async () => {
    const [a, b, c] = nodes as [P2pTestNode, P2pTestNode, P2pTestNode];
    const topic = '/xmtp/0/m-failover-conversation/proto';
    const wallet = newWallet();
    const bundle = await createPrivateKeyBundle(wallet);
    const common = {
      authenticator: new TokenAuthenticator(bundle.identityKey, wallet.address),
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      retry: { maxAttempts: 2, baseDelayMs: 10 },
    };
    // Node A is first for both; each falls back to a different node.
    const sender = new ApiClient({ nodes: [a.url, c.url], ...common });
    const receiver = new ApiClient({ nodes: [a.url, b.url], ...common });
    const received: string[] = [];
    const subscription = receiver.subscribe(
      [topic],
      (e: Envelope) => received.push(new TextDecoder().decode(e.message)),
      { reconnect: { baseDelayMs: 50, maxDelayMs: 200 } },
    );
    await subscription.once('caught-up');
    const send = async (i: number) =>
      sender.publish([
        {
          contentTopic: topic,
          timestampNs: BigInt(Date.now()) * 1_000_000n + BigInt(i),
          message: new TextEncoder().encode(`message ${i}`),
        },
      ]);
    for (let i = 0; i < 10; i++) await send(i);
    await waitFor('the first ten', () => received.length === 10);

    // Node A goes away mid-conversation; the conversation carries on through B and C.
    await a.close();
    nodes = [b, c];
    for (let i = 10; i < 20; i++) await send(i);
    await waitFor('the receiver to catch up on another node', () => received.length >= 20, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(received).toEqual(Array.from({ length: 20 }, (_, i) => `message ${i}`));
    expect(sender.nodeUrl).toBe(c.url);
    await subscription.close();
  }, 60_000);
});
