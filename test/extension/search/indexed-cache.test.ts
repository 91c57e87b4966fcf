import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createInboxCache } from '@/extension/cache/cache';
import { CONTENT_TYPES, type MessageRecord } from '@/extension/cache/records';
import { withSearchIndex } from '@/extension/search/indexed-cache';
import { createMessageIndex } from '@/extension/search/message-index';
import { testCacheKeys } from '../cache/test-keys';

const ME = '0x1111111111111111111111111111111111111111';
const PEER = '0x2222222222222222222222222222222222222222';

const text = (
  id: string,
  topic: string,
  sentAt: number,
  body: string,
  status: MessageRecord['status'] = 'sent',
) =>
  ({
    id,
    topic,
    senderAddress: PEER,
    sentAt,
    contentType: CONTENT_TYPES.text,
    content: body,
    status,
  }) as MessageRecord;

async function seeded() {
  const inner = createInboxCache({ keys: testCacheKeys(), indexedDB: new IDBFactory() });
  await inner.putConversations([
    { topic: '/a', peerAddress: PEER, createdAt: 1, consent: 'allowed' },
    { topic: '/b', peerAddress: PEER, createdAt: 2, consent: 'unknown' },
  ]);
  // More than one page of the cache (100): the index must read a conversation's whole history.
  const old = Array.from({ length: 450 }, (_, i) => text(`a${i}`, '/a', 1_000 + i, `filler number ${i}`));
  old[3] = text('a3', '/a', 1_003, 'the treasure map is under the oak');
  await inner.addMessages(old, ME);
  await inner.addMessages([text('b1', '/b', 5_000, 'Treasury report attached')], ME);
  const index = createMessageIndex();
  return { inner, index, ...withSearchIndex(inner, index) };
}

const ids = ({ groups }: { groups: { hits: { id: string }[] }[] }) =>
  groups.flatMap((g) => g.hits.map((h) => h.id)).sort();

describe('cache with a search index', () => {
  it('builds the index from the whole cache on the first search, not before', async () => {
    const { index, search } = await seeded();
    expect(index.size).toBe(0);
    expect(ids(await search('treas'))).toEqual(['a3', 'b1']);
    expect(index.size).toBe(451);
    expect(ids(await search('oak treasure'))).toEqual(['a3']);
  });

  it('indexes what is stored after the build, and a replaced message replaces its entry', async () => {
    const { cache, search } = await seeded();
    await search('warm up');
    await cache.addMessages([text('b2', '/b', 6_000, 'pending: meet at the lighthouse', 'pending')], ME);
    expect(ids(await search('lighthouse'))).toEqual(['b2']);
    await cache.replaceMessage('b2', text('net-9', '/b', 6_000, 'meet at the lighthouse'));
    expect(ids(await search('lighthouse'))).toEqual(['net-9']);
    expect(ids(await search('pending'))).toEqual([]);
  });

  it('writes before the first search are found once it builds', async () => {
    const { cache, search } = await seeded();
    await cache.addMessages([text('b3', '/b', 7_000, 'zeppelin sighting')], ME);
    expect(ids(await search('zeppelin'))).toEqual(['b3']);
  });

  it('reset and clear drop every entry; a search after reset rebuilds from the cache', async () => {
    const { cache, index, search, reset } = await seeded();
    await search('treasure');
    reset();
    expect(index.size).toBe(0);
    expect(ids(await search('treasure'))).toEqual(['a3']);
    await cache.clear();
    expect(index.size).toBe(0);
    expect(await search('treasure')).toEqual({ groups: [], truncated: false });
  });
});
