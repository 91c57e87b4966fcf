// Three nodes relaying to each other over libp2p on loopback: what one node accepts reaches the
// subscribers of every node once, is stored by every node, and ephemeral envelopes are relayed only.
import '@/network/p2p/polyfill';
import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeEnvelope } from '@/network/p2p/envelope-codec';
import { ENVELOPE_TOPIC } from '@/network/p2p/libp2p-relay';
import { envelopeJson, post, sleep, subscribe, T0 } from '../helpers';
import type { Stream } from '../helpers';
import { addressOf, rogueLibp2p, startP2pTestNode, storedOn, waitFor, waitForMesh } from './helpers';
import type { P2pTestNode } from './helpers';

const SECOND = 1_000_000_000n;
let nodes: P2pTestNode[] = [];

beforeAll(async () => {
  const a = await startP2pTestNode();
  const b = await startP2pTestNode([addressOf(a)]);
  const c = await startP2pTestNode([addressOf(a)]);
  nodes = [a, b, c];
  await waitForMesh(nodes);
}, 30_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close()));
});

/** Reads lines until `ms` of silence; returns the messages. */
async function drain(stream: Stream, ms = 700): Promise<string[]> {
  const got: string[] = [];
  for (;;) {
    try {
      const line = await stream.next(ms);
      got.push(Buffer.from(line.result.message, 'base64').toString());
    } catch {
      return got;
    }
  }
}

describe('libp2p relay between nodes', () => {
  it('delivers an envelope published on one node to the subscribers of every node, once', async () => {
    const topic = '/xmtp/0/m-relay-once/proto';
    const streams = nodes.map((n) => subscribe(n, '/message/v1/subscribe', { contentTopics: [topic] }));
    const all = nodes.map((n) => subscribe(n, '/message/v1/subscribe-all', {}));
    await Promise.all([...streams, ...all].map((s) => s.status));
    await sleep(100);

    const envelopes = Array.from({ length: 20 }, (_, i) =>
      envelopeJson(topic, T0 + BigInt(i) * SECOND, `hello ${i}`),
    );
    // Spread the publishes over the three nodes.
    for (let i = 0; i < envelopes.length; i++) {
      const reply = await post(nodes[i % 3]!, '/message/v1/publish', { envelopes: [envelopes[i]] });
      expect(reply.status).toBe(200);
    }
    const expected = envelopes.map((_, i) => `hello ${i}`).sort();
    const received = await Promise.all([...streams, ...all].map((s) => drain(s)));
    for (const got of received) expect(got.sort()).toEqual(expected);
    for (const s of [...streams, ...all]) s.close();
  });

  it('stores what any node accepted on every node, so every node answers a query the same', async () => {
    const topic = '/xmtp/0/m-relay-store/proto';
    const envelopes = Array.from({ length: 30 }, (_, i) =>
      envelopeJson(topic, T0 + BigInt(i) * SECOND, `stored ${i}`),
    );
    await post(nodes[1]!, '/message/v1/publish', { envelopes: envelopes.slice(0, 15) });
    await post(nodes[2]!, '/message/v1/publish', { envelopes: envelopes.slice(15) });
    const expected = envelopes.map((e) => `${e.contentTopic}|${e.message}`);
    await waitFor('every node to store all 30', async () => {
      const answers = await Promise.all(nodes.map((n) => storedOn(n, [topic])));
      return answers.every((a) => a.length === 30);
    });
    for (const n of nodes) expect(await storedOn(n, [topic])).toEqual(expected);
  });

  it('relays ephemeral envelopes to every node without storing them anywhere', async () => {
    const topic = '/xmtp/0/mE-relay-ephemeral/proto';
    const streams = nodes.map((n) => subscribe(n, '/message/v1/subscribe', { contentTopics: [topic] }));
    await Promise.all(streams.map((s) => s.status));
    await sleep(100);
    await post(nodes[0]!, '/message/v1/publish', {
      envelopes: [envelopeJson(topic, T0, 'typing…')],
    });
    expect(await Promise.all(streams.map((s) => drain(s)))).toEqual([['typing…'], ['typing…'], ['typing…']]);
    for (const s of streams) s.close();
    for (const n of nodes) expect(await storedOn(n, [topic])).toEqual([]);
  });

  it('relays a 1 MiB envelope', async () => {
    const topic = '/xmtp/0/m-relay-large/proto';
    const big = 'x'.repeat(1_048_214);
    const stream = subscribe(nodes[2]!, '/message/v1/subscribe', { contentTopics: [topic] });
    await stream.status;
    await sleep(100);
    expect(
      (await post(nodes[0]!, '/message/v1/publish', { envelopes: [envelopeJson(topic, T0, big)] })).status,
    ).toBe(200);
    const line = await stream.next(5000);
    expect(Buffer.from(line.result.message, 'base64').length).toBe(big.length);
    stream.close();
  });

  it('reports peers on GET /peers and counts relayed envelopes in /metrics', async () => {
    const res = await fetch(`${nodes[0]!.url}/peers`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.peerId).toBe(nodes[0]!.p2p.peerId);
    expect(body.listenAddrs.length).toBeGreaterThan(0);
    expect(body.peers.map((p: { id: string }) => p.id).sort()).toEqual(
      [nodes[1]!.p2p.peerId, nodes[2]!.p2p.peerId].sort(),
    );
    expect(body.peers.every((p: { api: string | null }) => p.api?.startsWith('http://127.0.0.1:'))).toBe(
      true,
    );
    const metrics = await (await fetch(`${nodes[0]!.url}/metrics`)).text();
    expect(metrics).toMatch(/^xmtp_p2p_peers_connected 2$/m);
    expect(metrics).toMatch(/^xmtp_p2p_envelopes_relayed_total\{direction="out"\} [1-9]/m);
    expect(metrics).toMatch(/^xmtp_p2p_envelopes_relayed_total\{direction="in"\} [1-9]/m);
  });

  it('drops what a rogue peer gossips outside the publish limits, and relays its valid envelopes', async () => {
    const rogue = await rogueLibp2p(['/ip4/127.0.0.1/tcp/0']);
    try {
      const topic = '/xmtp/0/m-relay-rogue/proto';
      const stream = subscribe(nodes[2]!, '/message/v1/subscribe', { contentTopics: [topic] });
      await stream.status;
      rogue.services.pubsub.subscribe(ENVELOPE_TOPIC);
      await rogue.dial(multiaddr(addressOf(nodes[0]!)));
      await waitFor('the rogue peer to join the relay', () =>
        nodes[0]!.p2p.relayPeers().includes(rogue.peerId.toString()),
      );
      const message = (text: string) => new TextEncoder().encode(text);
      await rogue.services.pubsub.publish(ENVELOPE_TOPIC, new Uint8Array([0x0a, 0xff, 0xff]));
      await rogue.services.pubsub.publish(
        ENVELOPE_TOPIC,
        encodeEnvelope({ contentTopic: topic, timestampNs: 1n << 63n, message: message('too late') }),
      );
      // A far-future envelope in a wallet's private store would shadow its real key bundle (issue #21).
      const victim = '/xmtp/0/privatestore-0x2222222222222222222222222222222222222222/key_bundle';
      const tomorrow = BigInt(Date.now() + 86_400_000) * 1_000_000n;
      await rogue.services.pubsub.publish(
        ENVELOPE_TOPIC,
        encodeEnvelope({ contentTopic: victim, timestampNs: tomorrow, message: message('shadow') }),
      );
      await rogue.services.pubsub.publish(
        ENVELOPE_TOPIC,
        encodeEnvelope({ contentTopic: topic, timestampNs: T0, message: message('fine') }),
      );
      expect(await drain(stream)).toEqual(['fine']);
      stream.close();
      for (const n of nodes) {
        await waitFor(
          'the valid envelope to be stored',
          async () => (await storedOn(n, [topic])).length === 1,
        );
        expect(await storedOn(n, [victim])).toEqual([]);
      }
    } finally {
      await rogue.stop();
    }
  });
});
