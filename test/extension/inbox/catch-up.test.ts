import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { startNode, type XmtpNode } from '@/network/node';
import { createInboxCache } from '@/extension/cache/cache';
import { vaultCacheKeys } from '@/extension/cache/sealing';
import { createIdbPersistence, vaultPersistenceKey } from '@/extension/client/idb-persistence';
import { createXmtpClientAdapter } from '@/extension/client/xmtp-adapter';
import type { InboxUpdate } from '@/extension/inbox/contract';
import { createInboxService } from '@/extension/inbox/service';
import { createVault } from '@/extension/vault/vault';
import { createTabWallet } from '@/extension/wallet/tab-wallet';
import { createMemoryArea } from '../../helpers/memory-area';
import { until } from '../../helpers/until';
import { realNodeForFile } from '../../helpers/node-for-file';
import { throwawayAdapter } from '../../helpers/throwaway-adapter';

// The catch-up against a real node through the real client adapter: many conversations' messages in a few
// batch queries, and no catch-up again while the live stream is connected and already caught up.
let node: XmtpNode;
realNodeForFile('xmtp-inbox-catch-up-', (started) => (node = started));

const PASSWORD = 'correct horse battery';
const CONVERSATIONS = 60; // more than one batch request (50 topics each)

/** The topics each query and batch query of the inbox's client asked for (read off the requests it sent). */
function recordingFetch() {
  const queried: string[][] = [];
  const batched: string[][] = [];
  const recording: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : {};
    if (url.endsWith('/message/v1/query')) queried.push(body.contentTopics as string[]);
    if (url.endsWith('/message/v1/batch-query'))
      batched.push((body.requests as { contentTopics: string[] }[]).flatMap((r) => r.contentTopics));
    return fetch(input, init);
  };
  return { fetch: recording, queried, batched };
}

function inbox() {
  // (the node is the test's: the file's, or one it stops and starts again)
  const indexedDB = new IDBFactory();
  const vault = createVault({ indexedDB, session: createMemoryArea() });
  const requests = recordingFetch();
  const service = createInboxService({
    vault,
    cache: createInboxCache({ keys: vaultCacheKeys(vault), indexedDB }),
    local: createMemoryArea(),
    adapter: createXmtpClientAdapter({
      persistence: createIdbPersistence(indexedDB, { key: vaultPersistenceKey(vault) }),
      WebSocket,
      fetch: requests.fetch,
    }),
    wallet: createTabWallet({ queryTabs: async () => [], sendToTab: async () => undefined }),
    fetch,
  });
  return { service, requests };
}

const peerAdapter = () => throwawayAdapter();

describe('catch-up', () => {
  it('fetches what many conversations missed in a few batch queries, and not again while the stream is live', async () => {
    const { service, requests } = inbox();
    const me = await service.createLocalKey({ password: PASSWORD, nodes: [node.url] });
    const friend = await peerAdapter().create({ kind: 'generate' }, { nodes: [node.url] });
    const topics: string[] = [];
    for (let i = 0; i < CONVERSATIONS; i++) {
      const { topic } = await friend.newConversation(me.address!, `catch-up/${i}`);
      await friend.send(topic, { type: 'text', text: `hello ${i}` });
      topics.push(topic);
    }
    await service.refresh();
    await service.lock(); // no stream: what comes now is only found by a catch-up
    for (const [i, topic] of topics.entries())
      await friend.send(topic, { type: 'text', text: `missed ${i}` });

    requests.queried.length = 0;
    requests.batched.length = 0;
    await service.unlock(PASSWORD); // starts the catch-up
    await service.refresh(); // joins it
    for (const [i, topic] of topics.entries())
      expect((await service.listMessages(topic)).map((m) => m.content)).toEqual([
        `hello ${i}`,
        `missed ${i}`,
      ]);
    // Every conversation in a batch request, none in a query of its own.
    const conversationTopics = new Set(topics);
    expect(requests.queried.flat().filter((t) => conversationTopics.has(t))).toEqual([]);
    const conversationBatches = requests.batched.filter((b) => b.some((t) => conversationTopics.has(t)));
    expect(new Set(conversationBatches.flat().filter((t) => conversationTopics.has(t)))).toEqual(
      conversationTopics,
    );
    // (At most two groups: conversations caught up before, from their time on, and any never caught up, their
    // latest page.)
    expect(conversationBatches.length).toBeLessThanOrEqual(2 * Math.ceil(CONVERSATIONS / 50));

    // The stream is live and that catch-up began on its connection: a popup open (ifBehind) asks nothing.
    await until(async () => (await service.state()).online || undefined, 'the stream live');
    const before = requests.queried.length + requests.batched.length;
    await service.refresh({ ifBehind: true });
    expect(requests.queried.length + requests.batched.length).toBe(before);
    // An explicit refresh still pulls.
    await service.refresh();
    expect(requests.batched.length).toBeGreaterThan(0);
    expect(requests.queried.length + requests.batched.length).toBeGreaterThan(before);

    // What the stream brings meanwhile still arrives.
    await friend.send(topics[0]!, { type: 'text', text: 'live' });
    await until(
      async () => (await service.listMessages(topics[0]!)).some((m) => m.content === 'live') || undefined,
      'the live message',
    );
    await service.lock();
    await friend.close();
  }, 60_000);

  it('stores and announces a large first listing batch by batch, with the count found so far', async () => {
    const { service } = inbox();
    const me = await service.createLocalKey({ password: PASSWORD, nodes: [node.url] });
    await service.refresh();
    await service.lock();
    // More than one page of invitations (100 a page), all new to this inbox's client.
    const friend = await peerAdapter().create({ kind: 'generate' }, { nodes: [node.url] });
    const MANY = 130;
    for (let i = 0; i < MANY; i++) await friend.newConversation(me.address!, `listing/${i}`);

    const updates: InboxUpdate[] = [];
    // What a popup opened in the middle of the listing asks the worker, at the first batch's update.
    let midway: { found: number; state: ReturnType<typeof service.state> } | undefined;
    service.subscribe((update) => {
      updates.push(update);
      if (update.kind === 'listing' && !update.done && !midway)
        midway = { found: update.found, state: service.state() };
    });
    await service.unlock(PASSWORD);
    await service.refresh();
    expect(midway).toBeDefined();
    const { listing: shown } = await midway!.state;
    expect(shown?.found).toBeGreaterThanOrEqual(midway!.found);
    expect(shown?.found).toBeLessThan(MANY); // asked before the listing was done
    expect((await service.state()).listing).toBeUndefined(); // and none once it is
    const listing = updates.filter((u) => u.kind === 'listing');
    const progress = listing.filter((u) => !u.done).map((u) => u.found);
    expect(progress.length).toBeGreaterThanOrEqual(2); // the list filled in more than one step
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(listing.at(-1)).toEqual({ kind: 'listing', found: MANY, done: true });
    // The first batch was announced (and so could be shown) before the listing was done.
    const firstShown = updates.findIndex((u) => u.kind === 'conversations');
    expect(firstShown).toBeGreaterThanOrEqual(0);
    expect(firstShown).toBeLessThan(updates.indexOf(listing.at(-1)!));
    expect(await service.listConversations({ limit: 1_000 })).toHaveLength(MANY);
    await service.lock();
    await friend.close();
  }, 90_000);

  it('catches up once more when the stream reconnects after the node was away', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-catch-up-reconnect-'));
    let own = await startNode({ port: 0, dataDir: dir, rateLimit: false });
    const port = own.port;
    const { service, requests } = inbox();
    const online = (want: boolean) => async () =>
      (await service.state()).online === want ? true : undefined;
    try {
      const me = await service.createLocalKey({ password: PASSWORD, nodes: [own.url] });
      const friend = await peerAdapter().create({ kind: 'generate' }, { nodes: [own.url] });
      const { topic } = await friend.newConversation(me.address!, 'reconnect');
      await friend.send(topic, { type: 'text', text: 'before' });
      await until(
        async () => (await service.listMessages(topic)).length === 1 || undefined,
        'the first message',
      );
      await until(online(true), 'the stream live');
      await service.refresh({ ifBehind: true }); // caught up on this connection: nothing to ask
      await friend.close();
      await own.close();
      await until(online(false), 'offline while the node is away');
      // A catch-up ends by telling listeners that any conversation may have changed.
      let caughtUp = 0;
      service.subscribe((u) => void (u.kind === 'conversations' && u.topics === 'all' && caughtUp++));
      own = await startNode({ port, dataDir: dir, rateLimit: false });
      await until(online(true), 'online again');
      // The reconnection starts one by itself (no refresh is asked here).
      await until(() => caughtUp > 0 || undefined, 'a catch-up after the reconnection', 10_000);
      // And that catch-up covers the new connection: a popup open asks nothing more.
      await until(async () => {
        const before = requests.batched.length + requests.queried.length;
        await service.refresh({ ifBehind: true });
        return requests.batched.length + requests.queried.length === before || undefined;
      }, 'the catch-up to cover the new connection');
    } finally {
      await service.lock();
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
