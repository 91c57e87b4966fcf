// Per-peer limits (peer-limits.ts) against a rogue libp2p peer: a gossip flood is bounded and the flooder
// scored out, sync streams are capped and sync requests paced per peer, a peer answering sync as fast as
// it can is paced (an endless one too, without keeping other peers from syncing), peer exchange is
// rate-limited and an oversized advertisement is cut down; meanwhile other peers' traffic still flows and
// the node answers.
import '@/network/p2p/polyfill';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Libp2p } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { lpStream } from 'it-length-prefixed-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNodeArgs } from '@/cli/node';
import { encodeEnvelope } from '@/network/p2p/envelope-codec';
import { ENVELOPE_TOPIC } from '@/network/p2p/libp2p-relay';
import { PEERS_PROTOCOL, parsePeerList } from '@/network/p2p/peer-exchange';
import { DEFAULT_PEER_LIMITS, parsePeerLimits } from '@/network/p2p/peer-limits';
import type { PeerLimitsConfig } from '@/network/p2p/peer-limits';
import {
  FRAME_END,
  FRAME_ENVELOPE,
  MAX_FRAME_BYTES,
  requestPage,
  SYNC_PROTOCOL,
} from '@/network/sync/sync-protocol';
import { envelopeJson, post, subscribe, T0 } from '../helpers';
import { addressOf, rogueLibp2p, startP2pTestNode, storedOn, waitFor, waitForMesh } from './helpers';
import type { P2pTestNode } from './helpers';

const SECOND = 1_000_000_000n;
const LIMITS: PeerLimitsConfig = {
  ...DEFAULT_PEER_LIMITS,
  gossip: { perSecond: 20, burst: 40 },
  sync: { perSecond: 2, burst: 4 },
  syncStreams: 2,
  syncReceived: { perSecond: 200, burst: 100 },
  peerExchange: { perSecond: 0.5, burst: 3 },
};
const VALID_PEER_ID = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo';

let a: P2pTestNode;
let b: P2pTestNode;

beforeAll(async () => {
  a = await startP2pTestNode([], { peerLimits: LIMITS });
  b = await startP2pTestNode([addressOf(a)], { peerLimits: LIMITS });
  await waitForMesh([a, b]);
}, 30_000);

afterAll(async () => {
  await Promise.all([a, b].map((n) => n.close()));
});

async function limited(node: P2pTestNode, kind: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const m = new RegExp(`^xmtp_p2p_peer_limited_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text);
  return Number(m?.[1] ?? 0);
}

/** Envelopes per page of a rogue sync responder. */
const ROGUE_PAGE = 100;

/**
 * Makes `peer` answer history sync like a node whose store holds `pages` pages of ROGUE_PAGE envelopes on
 * `topic` (endless by default), each answer at once and whole, whatever was asked.
 */
async function answerSyncAtOnce(peer: Libp2p, topic: string, pages = Infinity): Promise<void> {
  const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
  await peer.handle(
    SYNC_PROTOCOL,
    async ({ stream }) => {
      const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES });
      const request = JSON.parse(new TextDecoder().decode((await lp.read()).subarray())) as {
        after: unknown;
      };
      const from = typeof request.after === 'string' ? Number(request.after) : 0;
      const body: number[] = [FRAME_ENVELOPE];
      for (let i = from; i < from + ROGUE_PAGE; i++) {
        const encoded = encodeEnvelope({
          contentTopic: topic,
          timestampNs: T0 + BigInt(i),
          message: new TextEncoder().encode(`rogue ${i}`),
        });
        body.push(0x0a, ...varint(encoded.length), ...encoded);
      }
      await lp.write(Uint8Array.from(body));
      const end = { position: String(from + ROGUE_PAGE), more: from + ROGUE_PAGE < pages * ROGUE_PAGE };
      await lp.write(Uint8Array.from([FRAME_END, ...new TextEncoder().encode(JSON.stringify(end))]));
      await stream.close();
    },
    { maxInboundStreams: 64 },
  );
}

describe('per-peer limits', () => {
  it('bounds a gossip flood from one peer, scores it out, and still relays the other peers', async () => {
    const peer = await rogueLibp2p();
    try {
      const floodTopic = '/xmtp/0/m-limits-flood/proto';
      const honestTopic = '/xmtp/0/m-limits-honest/proto';
      const stream = subscribe(a, '/message/v1/subscribe', { contentTopics: [honestTopic] });
      await stream.status;
      peer.services.pubsub.subscribe(ENVELOPE_TOPIC);
      await peer.dial(multiaddr(addressOf(a)));
      await waitFor('the rogue peer to join the relay', () =>
        a.p2p.relayPeers().includes(peer.peerId.toString()),
      );

      const started = Date.now();
      const flood = Array.from({ length: 2000 }, (_, i) =>
        peer.services.pubsub
          .publish(
            ENVELOPE_TOPIC,
            encodeEnvelope({
              contentTopic: floodTopic,
              timestampNs: T0 + BigInt(i) * SECOND,
              message: new TextEncoder().encode(`flood ${i}`),
            }),
          )
          .catch(() => undefined),
      );
      // Honest traffic from node b at 10/s, below its own limit, while the flood runs.
      const honest = Array.from({ length: 10 }, (_, i) =>
        envelopeJson(honestTopic, T0 + BigInt(i), `ok ${i}`),
      );
      for (const e of honest) {
        expect((await post(b, '/message/v1/publish', { envelopes: [e] })).status).toBe(200);
        await new Promise((r) => setTimeout(r, 100));
      }
      await Promise.all(flood);

      // The node still answers while and after it is flooded.
      const health = Date.now();
      expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
      expect(Date.now() - health).toBeLessThan(2000);

      const got: string[] = [];
      while (got.length < honest.length) {
        const line = await stream.next(5000);
        got.push(Buffer.from(line.result.message, 'base64').toString());
      }
      stream.close();
      expect(got.sort()).toEqual(honest.map((_, i) => `ok ${i}`).sort());

      const seconds = (Date.now() - started) / 1000;
      const stored = (await storedOn(a, [floodTopic])).length;
      expect(stored).toBeGreaterThan(0);
      expect(stored).toBeLessThanOrEqual(LIMITS.gossip.burst + LIMITS.gossip.perSecond * seconds + 5);
      // Only the first of the flood is even validated: once scored out, the rest is dropped unread.
      expect(await limited(a, 'gossip_rejected')).toBeGreaterThan(0);
      await waitFor(
        'the flooder to score below the graylist',
        () => a.p2p.peerScore(peer.peerId.toString()) < -80,
      );
      // Node b is not penalised for what node a forwarded to it.
      expect(b.p2p.peerScore(a.p2p.peerId)).toBeGreaterThanOrEqual(0);
      expect(a.p2p.peerScore(b.p2p.peerId)).toBeGreaterThanOrEqual(0);
    } finally {
      await peer.stop();
    }
  });

  it('caps the sync streams and sync requests of one peer; another peer still syncs', async () => {
    const peer = await rogueLibp2p();
    try {
      await peer.dial(multiaddr(addressOf(a)));
      const open = () => peer.dialProtocol(multiaddr(addressOf(a)), SYNC_PROTOCOL);
      // Two streams held open without a request fill the peer's slots.
      const held = [await open(), await open()];
      const before = await limited(a, 'sync_streams');
      await expect(requestPage(await open(), undefined, 10)).rejects.toThrow();
      expect(await limited(a, 'sync_streams')).toBe(before + 1);
      for (const s of held) s.abort(new Error('done'));
      await waitFor('the held streams to be released', async () => {
        try {
          await requestPage(await open(), undefined, 1);
          return true;
        } catch {
          return false;
        }
      });

      // Requests one after another: past the burst, each is served once the bucket has refilled.
      const paced = await limited(a, 'sync_rate');
      const started = Date.now();
      const results = [];
      for (let i = 0; i < 8; i++) {
        results.push(
          await requestPage(await open(), undefined, 1).then(
            () => 'served',
            () => 'refused',
          ),
        );
      }
      expect(results).toEqual(Array(8).fill('served'));
      // At most a full bucket (4) at once, then 2 a second.
      expect(Date.now() - started).toBeGreaterThanOrEqual(
        ((8 - LIMITS.sync.burst) / LIMITS.sync.perSecond) * 900,
      );
      expect((await limited(a, 'sync_rate')) - paced).toBeGreaterThanOrEqual(8 - LIMITS.sync.burst);

      // Node b has its own buckets: its sync with node a is served.
      const synced = await b.p2p.syncNow();
      expect(synced.map((r) => r.peer)).toContain(a.p2p.peerId);
    } finally {
      await peer.stop();
    }
  });

  it('paces a peer that answers sync as fast as it can: its whole history arrives, at the budgeted rate', async () => {
    const c = await startP2pTestNode([], { peerLimits: LIMITS });
    const peer = await rogueLibp2p();
    try {
      const topic = '/xmtp/0/m-limits-sync-fast/proto';
      await answerSyncAtOnce(peer, topic, 6);
      const started = Date.now();
      await peer.dial(multiaddr(addressOf(c)));
      await waitFor('all 600 envelopes to arrive', async () => (await storedOn(c, [topic])).length === 600);
      // 100 at once (the burst), then 200 a second: pages 3 to 6 each wait half a second.
      const pages = 600 / ROGUE_PAGE;
      const budgeted = ((pages - 2) * ROGUE_PAGE) / LIMITS.syncReceived.perSecond;
      expect(Date.now() - started).toBeGreaterThanOrEqual(budgeted * 900);
      expect(await limited(c, 'sync_received')).toBeGreaterThanOrEqual(pages - 2);
    } finally {
      await peer.stop();
      await c.close();
    }
  });

  it('bounds an endless sync from one peer to its budget, and other peers still sync', async () => {
    const c = await startP2pTestNode([], { peerLimits: LIMITS });
    const peer = await rogueLibp2p();
    const dir = mkdtempSync(join(tmpdir(), 'xmtp-limits-'));
    let d: P2pTestNode | undefined;
    try {
      const rogueTopic = '/xmtp/0/m-limits-sync-endless/proto';
      const honestTopic = '/xmtp/0/m-limits-sync-honest/proto';
      // Node d's history, stored before it ever meets node c: only sync can bring it over.
      const history = Array.from({ length: 50 }, (_, i) =>
        envelopeJson(honestTopic, T0 + BigInt(i), `h ${i}`),
      );
      const before = await startP2pTestNode([], {}, { dataDir: dir });
      await post(before, '/message/v1/publish', { envelopes: history });
      await before.close();

      await answerSyncAtOnce(peer, rogueTopic);
      const started = Date.now();
      await peer.dial(multiaddr(addressOf(c)));
      await waitFor('the endless sync to start', async () => (await storedOn(c, [rogueTopic])).length > 0);
      d = await startP2pTestNode([addressOf(c)], {}, { dataDir: dir });
      await waitFor(
        "node d's history to reach node c during the endless sync",
        async () => (await storedOn(c, [honestTopic])).length === history.length,
      );
      const health = Date.now();
      expect((await fetch(`${c.url}/healthz`)).status).toBe(200);
      expect(Date.now() - health).toBeLessThan(2000);

      await peer.stop();
      const seconds = (Date.now() - started) / 1000;
      const fromRogue = (await storedOn(c, [rogueTopic])).length;
      // The burst, the rate over the time, and the page in hand.
      expect(fromRogue).toBeLessThanOrEqual(
        LIMITS.syncReceived.burst + LIMITS.syncReceived.perSecond * seconds + 2 * ROGUE_PAGE,
      );
      expect(await limited(c, 'sync_received')).toBeGreaterThan(0);
    } finally {
      await peer.stop();
      await d?.close();
      await c.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('rate-limits peer exchange and cuts an oversized advertisement down to the limits', async () => {
    const peer = await rogueLibp2p();
    try {
      // 250 peers of 22 addresses (one too long): about 200 KB, under the 256 KiB frame limit.
      const huge = {
        api: 'http://x',
        peers: Array.from({ length: 250 }, () => ({
          id: VALID_PEER_ID,
          addrs: [
            '/ip4/127.0.0.1/tcp/1',
            `/dns4/${'a'.repeat(300)}/tcp/1`,
            ...Array(20).fill('/ip4/127.0.0.1/tcp/2'),
          ],
        })),
      };
      await peer.handle(PEERS_PROTOCOL, async ({ stream }) => {
        await lpStream(stream).write(new TextEncoder().encode(JSON.stringify(huge)));
        await stream.close();
      });
      const before = await limited(a, 'advertised');
      await peer.dial(multiaddr(addressOf(a)));
      // Node a asks the new peer for its peers once identified, and keeps only what the limits allow.
      await waitFor(
        'the advertisement to be cut down',
        async () => (await limited(a, 'advertised')) > before,
      );
      expect((await limited(a, 'advertised')) - before).toBe(50 + 200 * (1 + 20 - 7));

      const asks = [];
      for (let i = 0; i < 6; i++) {
        asks.push(
          await peer
            .dialProtocol(multiaddr(addressOf(a)), PEERS_PROTOCOL)
            .then(async (s) => (await lpStream(s).read()).length > 0)
            .catch(() => false),
        );
      }
      expect(asks.slice(0, LIMITS.peerExchange.burst)).toEqual([true, true, true]);
      expect(asks).toContain(false);
      expect(await limited(a, 'peer_exchange')).toBeGreaterThan(0);
    } finally {
      await peer.stop();
    }
  });

  it('keeps only valid advertised peers and addresses within the limits', () => {
    const list = parsePeerList(
      {
        api: 42,
        peers: [
          { id: 'not a peer id', addrs: [] },
          {
            id: VALID_PEER_ID,
            addrs: ['/ip4/1.2.3.4/tcp/1', 'garbage', 7, '/ip4/1.2.3.5/tcp/1', '/ip4/1.2.3.6/tcp/1'],
          },
          { id: VALID_PEER_ID, addrs: ['/ip4/1.2.3.7/tcp/1'] },
          { id: VALID_PEER_ID, addrs: [] },
        ],
      },
      { peers: 3, addrs: 2 },
    );
    expect(list).toEqual({
      api: null,
      peers: [
        { id: VALID_PEER_ID, addrs: ['/ip4/1.2.3.4/tcp/1', '/ip4/1.2.3.5/tcp/1'] },
        { id: VALID_PEER_ID, addrs: ['/ip4/1.2.3.7/tcp/1'] },
      ],
      // The bad id, 'garbage', 7, the third address, and the fourth peer past the limit of 3.
      dropped: 5,
    });
    expect(parsePeerList('nonsense')).toEqual({ api: null, peers: [], dropped: 0 });
  });

  it('takes the limits from --peer-limits, and names the flag when they are bad', () => {
    expect(
      parseNodeArgs(['--p2p-port', '0', '--peer-limits', 'gossip=50.5:500,sync-streams=2,advertised=50:4']),
    ).toMatchObject({
      p2p: {
        peerLimits: {
          gossip: { perSecond: 50.5, burst: 500 },
          sync: DEFAULT_PEER_LIMITS.sync,
          syncStreams: 2,
          peerExchange: DEFAULT_PEER_LIMITS.peerExchange,
          advertisedPeers: 50,
          advertisedAddrs: 4,
        },
      },
    });
    expect(parseNodeArgs(['--p2p-port', '0', '--peer-limits', 'off'])).toMatchObject({
      p2p: { peerLimits: false },
    });
    expect(parseNodeArgs(['--p2p-port', '0'])).not.toHaveProperty('p2p.peerLimits');
    for (const bad of [
      'gossip=0:10',
      'sync=5',
      'sync-in=0:5',
      'sync-streams=0',
      'advertised=5000:1',
      'speed=1:1',
      'gossip',
    ]) {
      expect(() => parseNodeArgs(['--p2p-port', '0', '--peer-limits', bad])).toThrow(/^--peer-limits: /);
    }
    expect(() => parseNodeArgs(['--peer-limits', 'off'])).toThrow(/--peer-limits needs --p2p-port/);
    expect(parsePeerLimits('peer-exchange=2:20,sync-in=500:5000')).toMatchObject({
      peerExchange: { perSecond: 2, burst: 20 },
      syncReceived: { perSecond: 500, burst: 5000 },
    });
  });
});
