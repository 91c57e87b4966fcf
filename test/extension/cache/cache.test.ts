import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createInboxCache } from '@/extension/cache/cache';
import { checkPageQuery } from '@/extension/cache/conversation-pages';
import { ExtensionError } from '@/extension/errors';
import { CONTENT_TYPES, type ConversationRecord, type MessageRecord } from '@/extension/cache/records';
import { testCacheKeys } from './test-keys';

const ME = '0x1111111111111111111111111111111111111111';
const PEER = '0x2222222222222222222222222222222222222222';

function text(
  id: string,
  topic: string,
  sentAt: number,
  sender = PEER,
  body = `message ${id}`,
): MessageRecord {
  return {
    id,
    topic,
    senderAddress: sender,
    sentAt,
    contentType: CONTENT_TYPES.text,
    content: body,
    status: 'sent',
  };
}

function conversation(topic: string, createdAt: number, peerAddress = PEER) {
  return { topic, peerAddress, createdAt, consent: 'unknown' as const };
}

describe('inbox cache', () => {
  it('lists conversations by last activity, newest first', async () => {
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory() });
    await cache.putConversations([conversation('/a', 100), conversation('/b', 200), conversation('/c', 300)]);
    await cache.addMessages([text('m1', '/a', 1_000)], ME);
    const topics = (await cache.listConversations()).map((c) => c.topic);
    expect(topics).toEqual(['/a', '/c', '/b']);
    expect((await cache.listConversations({ limit: 2 })).map((c) => c.topic)).toEqual(['/a', '/c']);
  });

  it('counts new incoming messages as unread, not own messages, duplicates or read receipts', async () => {
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory() });
    await cache.putConversations([conversation('/a', 1)]);
    expect(
      await cache.addMessages([text('m1', '/a', 10), text('m2', '/a', 20), text('m3', '/a', 30, ME)], ME),
    ).toBe(3);
    expect(await cache.addMessages([text('m1', '/a', 10)], ME)).toBe(0);
    const receipt: MessageRecord = {
      ...text('r1', '/a', 40),
      contentType: CONTENT_TYPES.readReceipt,
      content: {},
    };
    await cache.addMessages([receipt], ME);
    const [a] = await cache.listConversations();
    expect(a.unread).toBe(2);
    expect(a.lastMessage).toEqual({ id: 'm3', senderAddress: ME, sentAt: 30, preview: 'message m3' });
    expect(await cache.totalUnread()).toBe(2);
    await cache.markRead('/a');
    expect((await cache.getConversation('/a'))?.unread).toBe(0);
  });

  it('totals unread messages over conversations that have some, leaving out denied ones', async () => {
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory() });
    await cache.putConversations(['/a', '/b', '/c', '/d'].map((t, i) => conversation(t, i)));
    await cache.addMessages(
      [
        text('a1', '/a', 10),
        text('a2', '/a', 11),
        text('b1', '/b', 12),
        text('c1', '/c', 13),
        text('d1', '/d', 14, ME),
      ],
      ME,
    );
    expect(await cache.totalUnread()).toBe(4);
    await cache.setConsent('/b', 'denied');
    expect(await cache.totalUnread()).toBe(3);
    await cache.markRead('/a');
    expect(await cache.totalUnread()).toBe(1);
  });

  it('upgrades a cache made by version 2 and still counts its unread messages', async () => {
    const factory = new IDBFactory();
    await new Promise<void>((resolve, reject) => {
      const request = factory.open('xmtp-inbox-cache', 2);
      request.onupgradeneeded = () => {
        const d = request.result;
        const conversations = d.createObjectStore('conversations', { keyPath: 'topic' });
        conversations.createIndex('byActivity', 'activityAt');
        conversations.createIndex('byConsent', 'consent');
        const messages = d.createObjectStore('messages', { keyPath: 'id' });
        messages.createIndex('byTopicSent', ['topic', 'sentAt']);
        messages.createIndex('byStatus', 'status');
        d.createObjectStore('synced');
        conversations.put({ ...conversation('/old', 1), unread: 3, activityAt: 1 });
        conversations.put({ ...conversation('/read', 2), unread: 0, activityAt: 2 });
      };
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: factory });
    expect(await cache.totalUnread()).toBe(3);
    expect((await cache.listConversations()).map((c) => c.topic)).toEqual(['/read', '/old']);
  });

  it('keeps unread counts and last message when conversations are refreshed from the network', async () => {
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory() });
    await cache.putConversations([conversation('/a', 1)]);
    await cache.addMessages([text('m1', '/a', 10)], ME);
    await cache.putConversations([{ ...conversation('/a', 1), consent: 'allowed' }]);
    const a = await cache.getConversation('/a');
    expect(a).toMatchObject({ unread: 1, consent: 'allowed', lastMessage: { id: 'm1' } });
  });

  it('pages a thread by sent time, oldest first within a page', async () => {
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory() });
    await cache.putConversations([conversation('/a', 1), conversation('/b', 1)]);
    await cache.addMessages(
      [5, 1, 4, 2, 3].map((n) => text(`a${n}`, '/a', n * 10)).concat([text('b1', '/b', 25)]),
      ME,
    );
    const page = await cache.listMessages('/a', { limit: 3 });
    expect(page.map((m) => m.id)).toEqual(['a3', 'a4', 'a5']);
    const older = await cache.listMessages('/a', { before: page[0].sentAt, limit: 3 });
    expect(older.map((m) => m.id)).toEqual(['a1', 'a2']);
  });

  it('replaces a pending message by its sent copy and tracks failed ones', async () => {
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory() });
    await cache.putConversations([conversation('/a', 1)]);
    const pending: MessageRecord = { ...text('local-1', '/a', 50, ME, 'hi'), status: 'pending' };
    await cache.addMessages([pending], ME);
    expect((await cache.listByStatus('pending')).map((m) => m.id)).toEqual(['local-1']);
    await cache.replaceMessage('local-1', { ...pending, id: 'net-1', sentAt: 51, status: 'sent' });
    expect((await cache.listMessages('/a')).map((m) => [m.id, m.status])).toEqual([['net-1', 'sent']]);
    expect((await cache.getConversation('/a'))?.lastMessage?.id).toBe('net-1');
    await cache.addMessages([{ ...text('local-2', '/a', 60, ME), status: 'failed', error: 'offline' }], ME);
    expect((await cache.listByStatus('failed')).map((m) => m.error)).toEqual(['offline']);
  });

  it('filters by consent, and clear empties both stores', async () => {
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory() });
    await cache.putConversations([conversation('/a', 1), conversation('/b', 2)]);
    await cache.setConsent('/b', 'allowed');
    expect((await cache.listConversations({ consent: 'unknown' })).map((c) => c.topic)).toEqual(['/a']);
    await cache.addMessages([text('m1', '/a', 10)], ME);
    await cache.clear();
    expect(await cache.listConversations()).toEqual([]);
    expect(await cache.getMessage('m1')).toBeUndefined();
  });

  it('lists 1,000 conversations in order', async () => {
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory() });
    const many = Array.from({ length: 1_000 }, (_, i) => conversation(`/t${i}`, (i * 7919) % 1_000));
    await cache.putConversations(many);
    const listed = await cache.listConversations();
    expect(listed).toHaveLength(1_000);
    for (let i = 1; i < listed.length; i++)
      expect(listed[i - 1].createdAt).toBeGreaterThanOrEqual(listed[i].createdAt);
  });

  it('answers the first screen before the full load, in its order, and keeps what is written while it loads', async () => {
    const indexedDB = new IDBFactory();
    const keys = testCacheKeys();
    const seeding = createInboxCache({ keys, indexedDB });
    await seeding.putConversations(Array.from({ length: 1_200 }, (_, i) => conversation(`/t${i}`, i * 10)));
    await seeding.updateConversation('/t5', (c) => ({ ...c, pinnedAt: 1, pinSetAt: 1 }));
    seeding.close();
    // A restarted worker: nothing opened yet. The first screen comes from IndexedDB and starts the full load;
    // a message stored while it runs must not be overwritten by the older record the load read.
    const cache = createInboxCache({ keys, indexedDB });
    const first = await cache.listConversations({ limit: 30 });
    await cache.addMessages([text('new', '/t0', 1_000_000)], ME);
    const all = await cache.listConversations();
    expect(all).toHaveLength(1_200);
    expect(all.slice(0, 3).map((c) => c.topic)).toEqual(['/t5', '/t0', '/t1199']);
    expect(first.map((c) => c.topic)).toEqual(['/t5', ...all.slice(2, 31).map((c) => c.topic)]);
    expect(all[1]).toMatchObject({ unread: 1, lastMessage: { id: 'new' } });
    expect(await cache.totalUnread()).toBe(1);
    expect((await cache.listConversations({ limit: 3 })).map((c) => c.topic)).toEqual([
      '/t5',
      '/t0',
      '/t1199',
    ]);
    // A caller changing a record it got does not change what the cache holds.
    all[1]!.unread = 99;
    expect((await cache.getConversation('/t0'))?.unread).toBe(1);
  });
});

describe('inbox cache: the popup’s list a page at a time', () => {
  /** 120 conversations: every 10th a request, every 15th archived, /c7 denied, /c3 pinned, unread in some. */
  async function seeded() {
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory() });
    await cache.putConversations(
      Array.from({ length: 120 }, (_, i) => ({
        topic: `/c${i}`,
        peerAddress: i === 42 ? '0xABCDEF0000000000000000000000000000000042' : PEER,
        createdAt: i * 10,
        consent: i === 7 ? ('denied' as const) : i % 10 === 0 ? ('unknown' as const) : ('allowed' as const),
      })),
    );
    await cache.updateConversations(
      Array.from({ length: 120 }, (_, i) => `/c${i}`).filter((t) => Number(t.slice(2)) % 15 === 0),
      (c) => ({ ...c, archivedAt: 1, archiveSetAt: 1 }),
    );
    await cache.updateConversation('/c3', (c) => ({ ...c, pinnedAt: 5, pinSetAt: 5 }));
    await cache.addMessages([text('m1', '/c50', 5_000, PEER, 'the quarterly report')], ME);
    return cache;
  }
  const topics = (page: { conversations: ConversationRecord[] }) => page.conversations.map((c) => c.topic);

  it('pages a view in the inbox order, from a cursor that survives rows moving', async () => {
    const cache = await seeded();
    const inbox = (await cache.listConversations()).filter(
      (c) => c.consent === 'allowed' && c.archivedAt === undefined,
    );
    const first = await cache.conversationPage({ view: 'inbox', limit: 30 });
    expect(topics(first)).toEqual(inbox.slice(0, 30).map((c) => c.topic));
    expect(topics(first).slice(0, 2)).toEqual(['/c3', '/c119']); // pinned, then the newest
    expect(first.more).toBe(true);
    // A row of the next page moves to the top meanwhile: the next page goes on from where the last row sorts.
    const last = first.conversations[29]!;
    await cache.addMessages([text('m2', inbox[40]!.topic, 9_000)], ME);
    const next = await cache.conversationPage({
      view: 'inbox',
      limit: 500,
      after: { topic: last.topic, at: last.lastMessage?.sentAt ?? last.createdAt },
    });
    expect(next.more).toBe(false);
    expect(topics(next)).toEqual(
      inbox
        .slice(30)
        .filter((c) => c.topic !== inbox[40]!.topic)
        .map((c) => c.topic),
    );
  });

  it('answers the requests, the archived view, the search box and the unread ones, leaving denied ones out', async () => {
    const cache = await seeded();
    const requests = await cache.conversationPage({ view: 'requests', limit: 500 });
    // Every 10th is a request, less those archived (/c0, /c30, /c60, /c90).
    expect(topics(requests).sort()).toEqual(
      ['/c10', '/c20', '/c40', '/c50', '/c70', '/c80', '/c100', '/c110'].sort(),
    );
    const archived = await cache.conversationPage({ view: 'archived', limit: 500 });
    expect(archived.conversations).toHaveLength(8);
    expect(archived.conversations.every((c) => c.archivedAt !== undefined)).toBe(true);
    const everywhere = [
      ...(await cache.conversationPage({ view: 'inbox', limit: 500 })).conversations,
      ...requests.conversations,
      ...archived.conversations,
    ].map((c) => c.topic);
    expect(everywhere).toHaveLength(119);
    expect(everywhere).not.toContain('/c7'); // denied
    expect(topics(await cache.conversationPage({ view: 'requests', query: 'QUARTERLY', limit: 30 }))).toEqual(
      ['/c50'],
    );
    expect(topics(await cache.conversationPage({ view: 'inbox', query: 'abcdef', limit: 30 }))).toEqual([
      '/c42',
    ]);
    expect(await cache.conversationPage({ view: 'inbox', unread: true, limit: 1 })).toEqual({
      conversations: [],
      more: false,
    });
    expect(topics(await cache.conversationPage({ view: 'requests', unread: true, limit: 5 }))).toEqual([
      '/c50',
    ]);
  });

  it('counts every view without a cap, narrowed by the search, and lists a whole view for bulk actions', async () => {
    const cache = await seeded();
    expect(await cache.conversationCounts()).toEqual({ inbox: 103, archived: 8, requests: 8, unread: 1 });
    expect(await cache.conversationCounts('quarterly')).toEqual({
      inbox: 0,
      archived: 0,
      requests: 1,
      unread: 1,
    });
    // Archive 150 more than the old "100+" cap counted.
    await cache.putConversations(
      Array.from({ length: 150 }, (_, i) => ({
        topic: `/a${i}`,
        peerAddress: PEER,
        createdAt: i,
        consent: 'allowed' as const,
      })),
    );
    await cache.updateConversations(
      Array.from({ length: 150 }, (_, i) => `/a${i}`),
      (c) => ({ ...c, archivedAt: 2, archiveSetAt: 2 }),
    );
    expect((await cache.conversationCounts()).archived).toBe(158);
    const requests = await cache.conversationsIn('requests');
    expect(requests.map((c) => c.topic)).toEqual(
      topics(await cache.conversationPage({ view: 'requests', limit: 500 })),
    );
    expect((await cache.conversationsIn('requests', 'QUARTERLY')).map((c) => c.topic)).toEqual(['/c50']);
  });

  it('refuses a page asked for with a bad view, limit, search or cursor', () => {
    for (const bad of [
      { view: 'all', limit: 30 },
      { view: 'inbox', limit: 0 },
      { view: 'inbox', limit: 501 },
      { view: 'inbox', limit: 30, query: 7 },
      { view: 'inbox', limit: 30, query: 'x'.repeat(201) },
      { view: 'inbox', limit: 30, unread: 'yes' },
      { view: 'inbox', limit: 30, after: { topic: '/c1' } },
      { view: 'inbox', limit: 30, after: { topic: '/c1', at: 1, pinnedAt: 'first' } },
    ])
      expect(() => checkPageQuery(bad), JSON.stringify(bad)).toThrow(ExtensionError);
    expect(checkPageQuery({ view: 'archived', limit: 5, query: '', extra: 1 })).toEqual({
      view: 'archived',
      limit: 5,
    });
  });
});

describe('inbox cache: the user’s per-conversation choices', () => {
  const pin = (at: number) => (c: ConversationRecord) => ({ ...c, pinnedAt: at, pinSetAt: at });

  it('lists pinned conversations first, in the order pinned, on the first screen too', async () => {
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory() });
    await cache.putConversations(['/a', '/b', '/c', '/d'].map((t, i) => conversation(t, (i + 1) * 100)));
    await cache.updateConversation('/b', pin(5));
    await cache.updateConversation('/a', pin(7));
    expect((await cache.listConversations()).map((c) => c.topic)).toEqual(['/b', '/a', '/d', '/c']);
    expect((await cache.listConversations({ limit: 3 })).map((c) => c.topic)).toEqual(['/b', '/a', '/d']);
    expect((await cache.listConversations({ limit: 1 })).map((c) => c.topic)).toEqual(['/b']);
    await cache.updateConversation('/b', ({ pinnedAt: _, ...c }) => ({ ...c, pinSetAt: 9 }));
    expect((await cache.listConversations()).map((c) => c.topic)).toEqual(['/a', '/d', '/c', '/b']);
  });

  it('keeps the choices when conversations are refreshed from the network', async () => {
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory() });
    await cache.putConversations([conversation('/a', 1)]);
    await cache.updateConversation('/a', (c) => ({
      ...pin(3)(c),
      mutedUntil: 50,
      mutedSetAt: 4,
      draft: { text: 'half', updatedAt: 5 },
    }));
    await cache.putConversations([{ ...conversation('/a', 1), consent: 'allowed' }]);
    expect(await cache.getConversation('/a')).toMatchObject({
      consent: 'allowed',
      pinnedAt: 3,
      mutedUntil: 50,
      draft: { text: 'half', updatedAt: 5 },
    });
  });

  it('leaves muted conversations out of the unread total until the mute ends', async () => {
    let clock = 1_000;
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory(), now: () => clock });
    await cache.putConversations([conversation('/a', 1), conversation('/b', 2)]);
    await cache.updateConversation('/a', (c) => ({ ...c, mutedUntil: 2_000, mutedSetAt: 1_000 }));
    await cache.addMessages([text('a1', '/a', 10), text('b1', '/b', 11)], ME);
    expect(await cache.totalUnread()).toBe(1);
    clock = 2_000;
    expect(await cache.totalUnread()).toBe(2);
  });

  it('brings an archived conversation back on a new message from the peer, unless it is muted', async () => {
    const clock = 1_000;
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory(), now: () => clock });
    await cache.putConversations([conversation('/a', 1), conversation('/b', 2)]);
    const archive = (c: ConversationRecord) => ({ ...c, archivedAt: 500, archiveSetAt: 500 });
    await cache.updateConversation('/a', archive);
    await cache.updateConversation('/b', (c) => ({ ...archive(c), mutedUntil: 5_000, mutedSetAt: 500 }));
    await cache.addMessages([text('a0', '/a', 10, ME)], ME); // our own message: stays archived
    expect((await cache.getConversation('/a'))?.archivedAt).toBe(500);
    await cache.addMessages([text('a1', '/a', 11), text('b1', '/b', 12)], ME);
    const a = await cache.getConversation('/a');
    expect(a?.archivedAt).toBeUndefined();
    expect(a?.archiveSetAt).toBe(1_000);
    expect((await cache.getConversation('/b'))?.archivedAt).toBe(500);
  });

  it('marks every conversation read at once and names the ones that changed', async () => {
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory() });
    await cache.putConversations([conversation('/a', 1), conversation('/b', 2), conversation('/c', 3)]);
    await cache.addMessages([text('a1', '/a', 10), text('c1', '/c', 11), text('c2', '/c', 12)], ME);
    expect((await cache.markAllRead()).sort()).toEqual(['/a', '/c']);
    expect(await cache.totalUnread()).toBe(0);
    expect(await cache.markAllRead()).toEqual([]);
  });

  it('updates one record in a transaction, and leaves unknown topics alone', async () => {
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory() });
    await cache.putConversations([conversation('/a', 1)]);
    expect(await cache.updateConversation('/missing', (c) => ({ ...c, unread: 4 }))).toBeUndefined();
    expect(await cache.updateConversation('/a', () => undefined)).toMatchObject({ topic: '/a', unread: 0 });
    // Two changes started together both land.
    await Promise.all([
      cache.updateConversation('/a', (c) => ({ ...c, pinnedAt: 1 })),
      cache.updateConversation('/a', (c) => ({ ...c, archivedAt: 2 })),
    ]);
    expect(await cache.getConversation('/a')).toMatchObject({ pinnedAt: 1, archivedAt: 2 });
  });

  it('upgrades a version 3 cache with the pinned index', async () => {
    const factory = new IDBFactory();
    await new Promise<void>((resolve, reject) => {
      const request = factory.open('xmtp-inbox-cache', 3);
      request.onupgradeneeded = () => {
        const d = request.result;
        const conversations = d.createObjectStore('conversations', { keyPath: 'topic' });
        conversations.createIndex('byActivity', 'activityAt');
        conversations.createIndex('byConsent', 'consent');
        conversations.createIndex('byUnread', 'unread');
        const messages = d.createObjectStore('messages', { keyPath: 'id' });
        messages.createIndex('byTopicSent', ['topic', 'sentAt']);
        messages.createIndex('byStatus', 'status');
        d.createObjectStore('synced');
        conversations.put({ ...conversation('/old', 1), unread: 2, activityAt: 1 });
      };
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB: factory });
    await cache.putConversations([conversation('/new', 5)]);
    await cache.updateConversation('/old', pin(9));
    expect((await cache.listConversations({ limit: 5 })).map((c) => c.topic)).toEqual(['/old', '/new']);
    expect(await cache.totalUnread()).toBe(2);
  });
});
