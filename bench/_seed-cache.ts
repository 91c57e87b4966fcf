// Fills an inbox cache with `conversations` conversations and `messages` text messages spread over them, in
// batches, through the real cache module (so sealed, as the extension stores them). Shared by the backup and
// search benchmarks; the extension benchmark sends the same batches (seedBatches) to the cache in the worker.
import type { InboxCache } from '@/extension/cache/cache';
import { CONTENT_TYPES, type ConversationRecord, type MessageRecord } from '@/extension/cache/records';

export const benchPeer = (i: number) => `0x${(i + 1).toString(16).padStart(40, '0')}`;

export interface SeedOptions {
  self: string;
  conversations: number;
  messages: number;
  /** The text of message k. */
  text(k: number): string;
  /** Message k from the peer (else from self); default: every other one. */
  fromPeer?(k: number): boolean;
  /** Conversations with a pin (index i): default none. */
  pinned?(i: number): boolean;
  now?: number;
}

export type SeedBatch =
  { conversations: Omit<ConversationRecord, 'unread' | 'lastMessage'>[] } | { messages: MessageRecord[] };

/** The conversations (1,000 a batch), then the messages (2,000 a batch), message k in conversation k mod N. */
export function* seedBatches(options: SeedOptions): Generator<SeedBatch> {
  const { self, conversations, messages } = options;
  const now = options.now ?? Date.now();
  const topics = seedTopics(conversations);
  for (let i = 0; i < conversations; i += 1000)
    yield {
      conversations: topics.slice(i, i + 1000).map((topic, j) => ({
        topic,
        peerAddress: benchPeer(i + j),
        createdAt: now - 86_400_000,
        consent: 'allowed' as const,
        ...(options.pinned?.(i + j) ? { pinnedAt: now, pinSetAt: now } : {}),
      })),
    };
  for (let i = 0; i < messages; i += 2000) {
    const batch: MessageRecord[] = [];
    for (let k = i; k < Math.min(messages, i + 2000); k++)
      batch.push({
        id: `m${k}`,
        topic: topics[k % conversations]!,
        senderAddress: (options.fromPeer ?? ((n) => n % 2 === 1))(k) ? benchPeer(k % conversations) : self,
        sentAt: now - (messages - k) * 1000,
        contentType: CONTENT_TYPES.text,
        content: options.text(k),
        status: 'sent',
      });
    yield { messages: batch };
  }
}

export const seedTopics = (conversations: number) =>
  Array.from({ length: conversations }, (_, i) => `/xmtp/0/m-bench${i}/proto`);

export async function seedCache(cache: InboxCache, options: SeedOptions): Promise<string[]> {
  for (const batch of seedBatches(options))
    if ('conversations' in batch) await cache.putConversations(batch.conversations);
    else await cache.addMessages(batch.messages, options.self);
  return seedTopics(options.conversations);
}
