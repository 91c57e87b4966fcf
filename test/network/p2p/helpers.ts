// Shared by the peer-to-peer tests: nodes on loopback with p2p on port 0, and polling helpers.
import '@/network/p2p/polyfill';
import { gossipsub } from '@chainsafe/libp2p-gossipsub';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import { StrictNoSign, type Libp2p, type PubSub } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import type { P2pOptions } from '@/network/node';
import { startTestNode } from '../helpers';
import type { TestNode } from '../helpers';
import { post } from '../helpers';

export type P2pTestNode = TestNode & { p2p: NonNullable<TestNode['p2p']> };

/** A node on free ports (HTTP and p2p) that joins `bootstrap`; fast redial, sync only on connect. */
export async function startP2pTestNode(
  bootstrap: string[] = [],
  p2p: Partial<P2pOptions> = {},
  options: Parameters<typeof startTestNode>[0] = {},
): Promise<P2pTestNode> {
  const node = await startTestNode({
    p2p: { port: 0, bootstrap, redialIntervalMs: 300, syncIntervalMs: 0, ...p2p },
    ...options,
  });
  return node as P2pTestNode;
}

/** The node's address with its peer id, for others to bootstrap from. */
export function addressOf(node: { p2p?: { multiaddrs(): string[] } }): string {
  const addr = node.p2p!.multiaddrs()[0];
  if (!addr) throw new Error('node has no p2p address');
  return addr;
}

/** Polls `condition` until it holds or `ms` pass. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until every node relays to every other one (gossipsub subscriptions exchanged). */
export async function waitForMesh(nodes: P2pTestNode[], ms = 15_000): Promise<void> {
  await waitFor(
    'a full relay mesh',
    () => nodes.every((n) => n.p2p.relayPeers().length >= nodes.length - 1),
    ms,
  );
}

/** Every envelope of `topics` on `node`, ascending, as `topic|message-base64`. */
export async function storedOn(node: { url: string }, topics: string[]): Promise<string[]> {
  const out: string[] = [];
  let cursor: unknown = undefined;
  for (;;) {
    const reply = await post(node, '/message/v1/query', {
      contentTopics: topics,
      pagingInfo: { limit: 100, direction: 'SORT_DIRECTION_ASCENDING', cursor },
    });
    if (reply.status !== 200) throw new Error(`query failed: ${reply.status} ${reply.text}`);
    for (const e of reply.json.envelopes) out.push(`${e.contentTopic}|${e.message}`);
    cursor = reply.json.pagingInfo?.cursor;
    if (!cursor || reply.json.envelopes.length === 0) return out;
  }
}

/**
 * A bare libp2p gossipsub peer outside our code (a rogue peer in tests). Without listen addresses the nodes can
 * neither advertise nor dial it.
 */
export function rogueLibp2p(listen: string[] = []): Promise<Libp2p<{ identify: unknown; pubsub: PubSub }>> {
  return createLibp2p({
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({ globalSignaturePolicy: StrictNoSign, allowPublishToZeroTopicPeers: true }),
    },
  });
}
