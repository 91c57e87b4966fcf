import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createInboxCache } from '@/extension/cache/cache';
import { CONTENT_TYPES } from '@/extension/cache/records';
import type {
  ClientAdapter,
  ClientSession,
  ConversationInfo,
  DecodedMessage,
  StreamHandlers,
} from '@/extension/client-adapter';
import { createDappApi } from '@/extension/dapp/api';
import { createApprovals } from '@/extension/dapp/approvals';
import { createDappEvents, type DappConnection } from '@/extension/dapp/events';
import { createPermissionStore } from '@/extension/dapp/permissions';
import { createInboxService } from '@/extension/inbox/service';
import type { DappMethod } from '@/extension/messages/dapp';
import { createMemoryArea } from '../../helpers/memory-area';
import { createVault } from '@/extension/vault/vault';
import { createTabWallet } from '@/extension/wallet/tab-wallet';
import { testCacheKeys } from '../cache/test-keys';
import { silentDeviceNotes } from '../../helpers/no-client';

const SELF = '0x5A0b54D5dc17e0AadC383d2db43B0a0D3E029c4c';
const PEER = '0x2222222222222222222222222222222222222222';
const PASSWORD = 'correct horse battery';
const SHOP = { topic: '/xmtp/0/m-shop/proto', conversationId: 'shop.example/orders/1' };
const OTHER = { topic: '/xmtp/0/m-other/proto', conversationId: 'other.example/1' };
/** Conversations of a busy inbox besides the two above, all in the cache. */
const MANY = 1_000;

const conversation = (topic: string, conversationId: string, createdAt: number): ConversationInfo => ({
  topic,
  conversationId,
  peerAddress: PEER,
  createdAt,
  consent: 'allowed',
});

const text = (id: string, topic: string, content: string, sentAt = Date.now()): DecodedMessage => ({
  id,
  topic,
  senderAddress: PEER,
  sentAt,
  contentType: CONTENT_TYPES.text,
  content,
});

/**
 * What the node holds for us, and a client adapter over it (an injected interface, not one of our modules): its
 * sessions list the network's conversations and messages for the service's catch-up, and hand the test the
 * handlers of their live stream, so the test pushes what the stream would bring.
 */
function fakeNetwork() {
  const network = {
    conversations: [] as ConversationInfo[],
    messages: [] as DecodedMessage[],
    stream: undefined as StreamHandlers | undefined,
  };
  const unavailable = async (): Promise<never> => {
    throw new Error('not used by this test');
  };
  const adapter: ClientAdapter = {
    async create() {
      const session: ClientSession = {
        address: SELF,
        exportKeyBundle: unavailable,
        listConversations: async () => network.conversations,
        messages: async (topic, { after } = {}) =>
          network.messages.filter((m) => m.topic === topic && (after === undefined || m.sentAt > after)),
        send: unavailable,
        sendReadReceipt: unavailable,
        newConversation: unavailable,
        canMessage: async () => true,
        setConsent: async () => undefined,
        streamAll(handlers) {
          network.stream = handlers;
          handlers.onConnection?.(true);
          return () => {
            if (network.stream === handlers) network.stream = undefined;
          };
        },
        deviceNotes: silentDeviceNotes,
        close: async () => undefined,
      };
      return session;
    },
  };
  return { network, adapter };
}

// Dapp events over the real inbox service (vault, cache and settings in memory), the real permission store and
// approvals; only the network behind the client adapter is the test's.
async function setup() {
  const indexedDB = new IDBFactory();
  const vault = createVault({ indexedDB, session: createMemoryArea() });
  const cache = createInboxCache({ keys: testCacheKeys(), indexedDB });
  const local = createMemoryArea();
  const { network, adapter } = fakeNetwork();
  const service = createInboxService({
    vault,
    cache,
    local,
    adapter,
    wallet: createTabWallet({ queryTabs: async () => [], sendToTab: async () => undefined }),
    fetch: async () => new Response(''),
  });
  await vault.create('c3RhbmQtaW4=', PASSWORD);
  await local.set({ account: { address: SELF, identity: 'local' } });
  network.conversations = [
    conversation(SHOP.topic, SHOP.conversationId, 1),
    conversation(OTHER.topic, OTHER.conversationId, 1),
  ];
  await cache.putConversations(
    Array.from({ length: MANY }, (_, i) => conversation(`/xmtp/0/m-busy${i}/proto`, `busy.example/${i}`, 1)),
  );
  await service.resume(); // connects, catches up, and starts the stream
  expect(network.stream).toBeDefined();

  const permissions = createPermissionStore(local);
  const approvals = createApprovals({ open: async () => 1, close: async () => undefined });
  const events = createDappEvents({ service, permissions });
  const api = createDappApi({ service, permissions, approvals, events });
  const page = (origin: string) => {
    const received: { event: string; data: unknown }[] = [];
    const connection: DappConnection = { origin, send: (event, data) => received.push({ event, data }) };
    return {
      received,
      of: (event: string) =>
        received.filter((e) => e.event === event).map((e) => e.data as { topic: string }),
      call: (method: DappMethod, params?: unknown) => api(connection, method, params),
    };
  };
  // Counts full reads of the conversation list (the real method, wrapped to observe its calls).
  const fullReads = { count: 0 };
  const listConversations = service.listConversations.bind(service);
  service.listConversations = (options) => {
    fullReads.count++;
    return listConversations(options);
  };
  return { service, cache, network, permissions, page, fullReads };
}

/** Lets the service's stream work and the events' queue run until `done` holds (or 5 s pass), then a little longer. */
async function settled(done: () => boolean = () => true) {
  const deadline = Date.now() + 5_000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  // A little longer, so that a duplicate delivery would have arrived.
  await new Promise((r) => setTimeout(r, 50));
}

describe('dapp events', () => {
  it('looks up only the conversation an incoming message names, and sends the message once', async () => {
    const { network, permissions, page, fullReads } = await setup();
    const site = page('https://mail.example');
    await permissions.grant('https://mail.example', ['inbox:read']);
    await site.call('xmtp_subscribe', { events: ['message', 'conversation'] });
    // Subscribing reads the list once, for what the page may have missed.
    await settled(() => fullReads.count === 1);
    fullReads.count = 0;

    for (const [i, id] of ['in1', 'in2', 'in3'].entries()) {
      network.stream!.onMessage(text(id, SHOP.topic, `message ${i}`));
      await settled(() => site.of('message').length === i + 1);
    }
    expect(site.received.map((e) => [e.event, (e.data as { id: string }).id])).toEqual([
      ['message', 'in1'],
      ['message', 'in2'],
      ['message', 'in3'],
    ]);
    expect(fullReads.count).toBe(0);

    network.stream!.onConversation(conversation('/xmtp/0/m-new/proto', 'mail.example/1', Date.now()));
    await settled(() => site.of('conversation').length === 1);
    network.stream!.onMessage(text('in4', '/xmtp/0/m-new/proto', 'first words'));
    await settled(() => site.of('message').length === 4);
    expect(site.of('conversation')).toEqual([expect.objectContaining({ topic: '/xmtp/0/m-new/proto' })]);
    expect(site.of('message').at(-1)).toMatchObject({ id: 'in4', content: 'first words' });
    expect(site.received).toHaveLength(5);
    expect(fullReads.count).toBe(0);
  });

  it('delivers conversation events within the grant only, and ends them when access is revoked', async () => {
    const { network, service, permissions, page } = await setup();
    const scoped = page('https://shop.example');
    const other = page('https://mail.example');
    await permissions.grant('https://shop.example', ['inbox:read'], 'shop.example/');
    await permissions.grant('https://mail.example', ['inbox:read']);
    expect(await scoped.call('xmtp_subscribe', { events: ['conversation'] })).toEqual(['conversation']);
    expect(await other.call('xmtp_subscribe')).toEqual(['message', 'conversation']);

    const now = Date.now();
    network.stream!.onConversation(conversation('/xmtp/0/m-new1/proto', 'shop.example/orders/2', now));
    network.stream!.onConversation(conversation('/xmtp/0/m-new2/proto', 'elsewhere/1', now));
    await settled(() => other.of('conversation').length === 2);
    expect(scoped.of('conversation').map((c) => c.topic)).toEqual(['/xmtp/0/m-new1/proto']);
    expect(other.of('conversation').map((c) => c.topic)).toEqual([
      '/xmtp/0/m-new1/proto',
      '/xmtp/0/m-new2/proto',
    ]);
    // A change to a conversation already announced, or to one older than the subscription, is no new one.
    await service.markRead('/xmtp/0/m-new1/proto');
    await service.markRead(SHOP.topic);
    await settled();
    expect(scoped.received).toHaveLength(1);
    expect(other.received).toHaveLength(2);

    await permissions.revoke('https://shop.example');
    expect(scoped.received.at(-1)).toEqual({ event: 'permissionsChanged', data: [] });
    network.stream!.onConversation(conversation('/xmtp/0/m-new3/proto', 'shop.example/orders/3', now));
    await settled(() => other.of('conversation').length === 3);
    expect(scoped.of('conversation')).toHaveLength(1);
    expect(other.of('conversation').at(-1)).toMatchObject({ topic: '/xmtp/0/m-new3/proto' });
    expect(await other.call('xmtp_unsubscribe', { events: ['conversation'] })).toEqual(['message']);
  });

  it('delivers messages a catch-up pulled in after an unlock, once, within the grant', async () => {
    const { network, service, permissions, page } = await setup();
    const scoped = page('https://shop.example');
    await permissions.grant('https://shop.example', ['inbox:read'], 'shop.example/');
    await scoped.call('xmtp_subscribe', { events: ['message'] });
    await service.lock();
    // Sent while the vault was locked: no stream brings them, the catch-up of the unlock does.
    network.messages.push(text('c1', SHOP.topic, 'caught up'), text('c2', OTHER.topic, 'not yours'));
    await service.unlock(PASSWORD);
    await settled(() => scoped.received.length === 1);
    await service.refresh();
    await settled();
    expect(scoped.received).toEqual([
      {
        event: 'message',
        data: expect.objectContaining({ id: 'c1', content: 'caught up', topic: SHOP.topic }),
      },
    ]);
  });
});
