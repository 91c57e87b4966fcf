// Keeps a MessageIndex in step with the cache: every message the cache stores goes into the index, a replaced
// message (pending → sent) replaces its entry, and clearing the cache clears the index. The index is built from
// the cache on the first search after unlock (ensureBuilt) and dropped at lock (reset), so it only ever holds
// what the unlocked account can read.
import type { InboxCache } from '@/extension/cache/cache';
import { ExtensionError } from '@/extension/errors';
import type { MessageIndex, SearchResult } from './message-index';

/** The longest search text and the most hits one search returns. */
const MAX_SEARCH_QUERY = 200;
const MAX_SEARCH_LIMIT = 1_000;

/** A search request from the popup or a page is untrusted: text of bounded length, a bounded hit count. */
function checkSearch(query: unknown, limit: unknown): void {
  if (typeof query !== 'string' || query.length > MAX_SEARCH_QUERY)
    throw new ExtensionError(
      'invalid_query',
      `the search must be text of at most ${MAX_SEARCH_QUERY} characters`,
    );
  if (
    limit !== undefined &&
    (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > MAX_SEARCH_LIMIT)
  )
    throw new ExtensionError(
      'invalid_limit',
      `limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}: ${String(limit)}`,
    );
}

export interface SearchableCache {
  /** The cache, with writes mirrored into the index. */
  cache: InboxCache;
  /** Searches every cached message (builds the index on first use; an empty query only builds it). */
  search(query: string, options?: { limit?: number }): Promise<SearchResult>;
  /** Drops the index (lock, sign out); the next search builds it again. */
  reset(): void;
}

export function withSearchIndex(inner: InboxCache, index: MessageIndex): SearchableCache {
  /** Set while (or once) the index holds the whole cache; writes meanwhile go into the index as they happen. */
  let built: Promise<void> | undefined;

  async function build() {
    index.add(await inner.allMessages());
  }

  function ensureBuilt(): Promise<void> {
    built ??= build().catch((error: unknown) => {
      built = undefined; // try again on the next search
      throw error;
    });
    return built;
  }

  const cache: InboxCache = {
    ...inner,
    async addMessages(messages, selfAddress) {
      const added = await inner.addMessages(messages, selfAddress);
      if (built) index.add(messages);
      return added;
    },
    async replaceMessage(oldId, message) {
      await inner.replaceMessage(oldId, message);
      if (!built) return;
      index.remove(oldId);
      index.add([message]);
    },
    async clear() {
      await inner.clear();
      index.clear();
      built = undefined;
    },
  };

  return {
    cache,
    async search(query, options) {
      checkSearch(query, options?.limit);
      await ensureBuilt();
      return index.search(query, options);
    },
    reset() {
      index.clear();
      built = undefined;
    },
  };
}
