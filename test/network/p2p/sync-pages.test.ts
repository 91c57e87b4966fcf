// The pages of one sync stream (sync-protocol.ts "pages" and "first"): asked with "first", they grow from
// that size, doubling up to the page limit, and together cover the store once, in order; asked without it,
// every page is full. A peer reads them through the node's real responder.
import '@/network/p2p/polyfill';
import { multiaddr } from '@multiformats/multiaddr';
import { afterEach, describe, expect, it } from 'vitest';
import { requestPages, SYNC_PROTOCOL } from '@/network/sync/sync-protocol';
import type { SyncPage } from '@/network/sync/sync-protocol';
import { envelopeJson, post, T0 } from '../helpers';
import { addressOf, rogueLibp2p, startP2pTestNode } from './helpers';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const TOTAL = 12_000;

/** A node holding TOTAL envelopes and a peer connected to it that reads its pages. */
async function nodeAndReader() {
  const node = await startP2pTestNode([], { peerLimits: false });
  cleanups.push(() => node.close());
  for (let i = 0; i < TOTAL; i += 1000) {
    const envelopes = Array.from({ length: 1000 }, (_, j) =>
      envelopeJson(`/xmtp/0/m-sync-pages-${(i + j) % 7}/proto`, T0 + BigInt(i + j), `page ${i + j}`),
    );
    expect((await post(node, '/message/v1/publish', { envelopes })).status).toBe(200);
  }
  const reader = await rogueLibp2p();
  cleanups.push(async () => {
    await reader.stop();
  });
  const address = multiaddr(addressOf(node));
  /** Every page of one stream of up to 16 pages, asked with `first` (or without). */
  const readStream = async (first?: number): Promise<SyncPage[]> => {
    const stream = await reader.dialProtocol(address, SYNC_PROTOCOL);
    const pages = await requestPages(stream, undefined, 5000, 16, undefined, undefined, first);
    const out: SyncPage[] = [];
    for (let page = await pages.next(); page; page = await pages.next()) out.push(page);
    return out;
  };
  return { readStream };
}

const messages = (pages: SyncPage[]): string[] =>
  pages.flatMap((p) => p.envelopes.map((e) => new TextDecoder().decode(e.message)));

describe('the pages of a sync stream', () => {
  it('grow from "first", doubling up to the limit, and cover the store once in order', async () => {
    const { readStream } = await nodeAndReader();
    const grown = await readStream(500);
    expect(grown.map((p) => p.envelopes.length)).toEqual([500, 1000, 2000, 4000, 4500]);
    expect(grown.map((p) => p.more)).toEqual([true, true, true, true, false]);
    expect(messages(grown)).toEqual(Array.from({ length: TOTAL }, (_, i) => `page ${i}`));

    const full = await readStream();
    expect(full.map((p) => p.envelopes.length)).toEqual([5000, 5000, 2000]);
    expect(messages(full)).toEqual(messages(grown));
  }, 30_000);
});
