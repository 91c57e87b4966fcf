// Full-text search over the cached messages of the unlocked account (issue #17 item 4), with MiniSearch: words
// and prefixes, case- and accent-insensitive, across every conversation. The index lives only in the worker's
// memory, built from the (encrypted) cache after unlock and dropped at lock: it is never written anywhere.
import { attachmentName } from '@/extension/attachments/attachment-content';
import MiniSearch from 'minisearch';
import { foldTerm } from './fold';
import { highlight, queryTerms, snippet, type Highlighted } from './snippet';
import { CONTENT_TYPES, isReplyContent, type MessageRecord } from '@/extension/cache/records';

export interface SearchHit {
  id: string;
  topic: string;
  sentAt: number;
  senderAddress: string;
  /** The message's text, whole. */
  text: string;
  /** About a line of it around the first match, cut into plain and matching parts (the popup marks those). */
  parts: Highlighted;
}

/** The hits of one conversation, newest first; groups come best match first. */
export interface SearchGroup {
  topic: string;
  hits: SearchHit[];
}

export interface SearchResult {
  groups: SearchGroup[];
  /** More messages matched than the limit: the popup says so ("200+"). */
  truncated: boolean;
}

export interface MessageIndex {
  /** Adds messages, or replaces ones already indexed (same id); messages without text are left out. */
  add(messages: MessageRecord[]): void;
  remove(id: string): void;
  search(query: string, options?: { limit?: number }): SearchResult;
  clear(): void;
  readonly size: number;
}

/** Hits returned at most, across conversations: enough to browse, bounded for the popup. */
export const DEFAULT_SEARCH_LIMIT = 200;

/** What a message says in words, if anything: text, a reply's text, or the sender's fallback. */
export function searchableText(message: MessageRecord): string | undefined {
  const { contentType, content, fallback, unsupported } = message;
  if (!unsupported) {
    if (contentType === CONTENT_TYPES.text && typeof content === 'string') return content || undefined;
    if (contentType === CONTENT_TYPES.reply && isReplyContent(content) && typeof content.content === 'string')
      return content.content || undefined;
    if (contentType === CONTENT_TYPES.reaction || contentType === CONTENT_TYPES.readReceipt) return undefined;
    // A file is found by its name.
    const file = attachmentName(message);
    if (file) return file;
  }
  return typeof fallback === 'string' && fallback ? fallback : undefined;
}

type Indexed = Omit<SearchHit, 'parts'>;

export function createMessageIndex(): MessageIndex {
  const index = new MiniSearch<Indexed>({
    fields: ['text'],
    storeFields: ['topic', 'sentAt', 'senderAddress', 'text'],
    processTerm: (term) => foldTerm(term) || null,
    searchOptions: { prefix: true, combineWith: 'AND' },
  });

  return {
    add(messages) {
      for (const message of messages) {
        const text = searchableText(message);
        if (index.has(message.id)) index.discard(message.id);
        if (text === undefined) continue;
        const { id, topic, sentAt, senderAddress } = message;
        index.add({ id, topic, sentAt, senderAddress, text });
      }
    },

    remove(id) {
      if (index.has(id)) index.discard(id);
    },

    search(query, { limit = DEFAULT_SEARCH_LIMIT } = {}) {
      if (!query.trim()) return { groups: [], truncated: false };
      const terms = queryTerms(query);
      const results = index.search(query);
      const groups = new Map<string, SearchHit[]>();
      for (const result of results.slice(0, limit)) {
        const text = result.text as string;
        const hit: SearchHit = {
          id: String(result.id),
          topic: result.topic as string,
          sentAt: result.sentAt as number,
          senderAddress: result.senderAddress as string,
          text,
          parts: highlight(snippet(text, terms), terms),
        };
        const hits = groups.get(hit.topic) ?? [];
        hits.push(hit);
        groups.set(hit.topic, hits);
      }
      return {
        groups: [...groups].map(([topic, hits]) => ({
          topic,
          hits: hits.sort((a, b) => b.sentAt - a.sentAt),
        })),
        truncated: results.length > limit,
      };
    },

    clear() {
      index.removeAll();
    },

    get size() {
      return index.documentCount;
    },
  };
}
