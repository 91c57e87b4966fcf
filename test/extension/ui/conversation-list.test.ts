import { describe, expect, it } from 'vitest';
import type { ConversationRecord } from '@/extension/cache/records';
import { mergeConversations } from '@/ui/conversation-list';

const PEER = '0x2222222222222222222222222222222222222222';
function conversation(topic: string, createdAt: number, lastSentAt?: number, unread = 0): ConversationRecord {
  return {
    topic,
    peerAddress: PEER,
    createdAt,
    consent: 'allowed',
    unread,
    ...(lastSentAt === undefined
      ? {}
      : { lastMessage: { id: `${topic}-m`, senderAddress: PEER, sentAt: lastSentAt, preview: 'hi' } }),
  };
}
const topics = (list: ConversationRecord[]) => list.map((c) => c.topic);

describe('inbox list merge', () => {
  const list = [conversation('/c', 1, 300), conversation('/b', 200), conversation('/a', 1, 100)];

  it('moves a conversation with a new message to the top and keeps its new unread count', () => {
    const merged = mergeConversations(list, [conversation('/a', 1, 400, 1)]);
    expect(topics(merged)).toEqual(['/a', '/c', '/b']);
    expect(merged[0]!.unread).toBe(1);
    expect(topics(list)).toEqual(['/c', '/b', '/a']);
  });

  it('adds a new conversation where its creation time puts it', () => {
    expect(topics(mergeConversations(list, [conversation('/d', 250)]))).toEqual(['/c', '/d', '/b', '/a']);
  });

  it('orders ties like the cache, by topic descending', () => {
    expect(topics(mergeConversations(list, [conversation('/bb', 200), conversation('/ba', 200)]))).toEqual([
      '/c',
      '/bb',
      '/ba',
      '/b',
      '/a',
    ]);
  });

  it('keeps pinned conversations on top, in the order pinned, and puts an unpinned one back by activity', () => {
    const pinned = mergeConversations(list, [{ ...list[2]!, pinnedAt: 5 }]);
    expect(topics(pinned)).toEqual(['/a', '/c', '/b']);
    const two = mergeConversations(pinned, [{ ...list[1]!, pinnedAt: 9 }]);
    expect(topics(two)).toEqual(['/a', '/b', '/c']);
    // A new message in a pinned conversation does not move it above an earlier pin.
    expect(topics(mergeConversations(two, [{ ...conversation('/b', 200, 900), pinnedAt: 9 }]))).toEqual([
      '/a',
      '/b',
      '/c',
    ]);
    expect(topics(mergeConversations(two, [list[2]!]))).toEqual(['/b', '/c', '/a']);
  });

  it('updates in place when the order does not change, and drops conversations that are gone', () => {
    const merged = mergeConversations(list, [{ ...list[1]!, consent: 'denied' }], ['/a']);
    expect(topics(merged)).toEqual(['/c', '/b']);
    expect(merged[1]!.consent).toBe('denied');
  });
});
