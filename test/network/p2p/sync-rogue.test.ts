// History sync from an untrusted peer: a page that is malformed part-way, or that holds more envelopes than a
// page may, is refused whole (a clear error, nothing of it stored), and envelopes beyond the publish limits
// are dropped while the rest of their page is stored.
import '@/network/p2p/polyfill';
import type { Libp2p } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { lpStream } from 'it-length-prefixed-stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredEnvelope } from '@/network/store/store';
import { encodeEnvelopeFrames } from '@/network/sync/page-codec';
import {
  FRAME_END,
  FRAME_ENVELOPE,
  MAX_FRAME_BYTES,
  MAX_PAGE_ENVELOPES,
  SYNC_PROTOCOL,
} from '@/network/sync/sync-protocol';
import { T0 } from '../helpers';
import { addressOf, rogueLibp2p, startP2pTestNode, storedOn, waitFor } from './helpers';
import type { P2pTestNode } from './helpers';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function envelopes(topic: string, count: number, text = 'rogue'): StoredEnvelope[] {
  return Array.from({ length: count }, (_, i) => ({
    contentTopic: topic,
    timestampNs: T0 + BigInt(i),
    message: new TextEncoder().encode(`${text} ${i}`),
    digest: new Uint8Array(32),
  }));
}

/** Makes `peer` answer every sync request with these frames and then the page's end (no more pages). */
async function answerSync(peer: Libp2p, frames: Uint8Array[]): Promise<void> {
  await peer.handle(
    SYNC_PROTOCOL,
    async ({ stream }) => {
      const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES });
      await lp.read();
      for (const frame of frames) await lp.write(frame);
      const end = JSON.stringify({ position: '1', more: false });
      await lp.write(Uint8Array.from([FRAME_END, ...new TextEncoder().encode(end)]));
      await stream.close();
    },
    { maxInboundStreams: 64 },
  );
}

/** A node and a rogue peer answering its sync requests with `frames`, connected. */
async function nodeWithRogue(frames: Uint8Array[]): Promise<{ node: P2pTestNode; rogue: Libp2p }> {
  const node = await startP2pTestNode([], { peerLimits: false });
  cleanups.push(() => node.close());
  const rogue = await rogueLibp2p();
  cleanups.push(async () => {
    await rogue.stop();
  });
  await answerSync(rogue, frames);
  await rogue.dial(multiaddr(addressOf(node)));
  await waitFor('the rogue peer to connect', async () =>
    (await node.p2p.peers()).some((p) => p.id === rogue.peerId.toString()),
  );
  return { node, rogue };
}

describe('history sync from a rogue peer', () => {
  it('refuses a page malformed after valid envelopes, and stores none of it', async () => {
    const topic = '/xmtp/0/m-sync-rogue-malformed/proto';
    const [valid] = encodeEnvelopeFrames(envelopes(topic, 50), FRAME_ENVELOPE, MAX_FRAME_BYTES);
    // The 50 envelopes, then a field that is not an envelope.
    const broken = Uint8Array.from([...valid!, 0x12, 0x01, 0x00]);
    const { node } = await nodeWithRogue([broken]);
    await expect(node.p2p.syncNow()).rejects.toThrow('sync: malformed envelope list (not an envelope field)');
    expect(await storedOn(node, [topic])).toEqual([]);
  });

  it('refuses a page of more envelopes than a page holds, counting the dropped ones', async () => {
    const topic = '/xmtp/0/m-sync-rogue-oversized/proto';
    const all = envelopes(topic, MAX_PAGE_ENVELOPES + 1);
    // The extra one is beyond the publish limits (a topic over 300 bytes): dropped, but still counted.
    all[MAX_PAGE_ENVELOPES] = { ...all[0]!, contentTopic: `/xmtp/0/${'x'.repeat(300)}/proto` };
    const frames = encodeEnvelopeFrames(all, FRAME_ENVELOPE, 64 * 1024);
    const { node } = await nodeWithRogue(frames);
    await expect(node.p2p.syncNow()).rejects.toThrow('sync: too many envelopes in a page');
    expect(await storedOn(node, [topic])).toEqual([]);
  });

  it('drops envelopes beyond the publish limits and stores the rest of their page', async () => {
    const topic = '/xmtp/0/m-sync-rogue-limits/proto';
    const page = envelopes(topic, 20);
    page[3] = { ...page[3]!, timestampNs: 1n << 63n };
    page[7] = { ...page[7]!, contentTopic: `/xmtp/0/${'y'.repeat(300)}/proto` };
    const { node } = await nodeWithRogue(encodeEnvelopeFrames(page, FRAME_ENVELOPE, MAX_FRAME_BYTES));
    await node.p2p.syncNow();
    await waitFor(
      'the 18 valid envelopes to be stored',
      async () => (await storedOn(node, [topic])).length === 18,
    );
    // Another sync brings nothing more (the two dropped ones are not stored later either).
    await node.p2p.syncNow();
    expect((await storedOn(node, [topic])).length).toBe(18);
  });
});
