// Keeps a MessageIndex in step with the cache: every message the cache stores goes into the index, a replaced
// message (pending → sent) replaces its entry, and clearing the cache clears the index. The index is built on the
// first search after unlock (ensureBuilt) and dropped at lock (reset), so it only ever holds what the unlocked
// account can read.
//
// Building it from 100,000 sealed messages means opening each one (one AES-GCM call per record) and indexing its
// words: seconds. So the index is also kept as a snapshot, sealed whole under the cache's key like every record
// (cache.searchSnapshot): a build opens that one record and then reconciles it with the cache by message id (ids
// are plaintext at rest), dropping what is gone and indexing what is new. The snapshot is rewritten once enough
// has changed since the last one (SAVE_AFTER), a little after the change (saveDelayMs); a missing, corrupt or
// outdated snapshot is rebuilt from the messages. Clearing the cache deletes it with the rest.
import type { InboxCache } from '@/extension/cache/cache';
import { ExtensionError } from '@/extension/errors';
import type { MessageIndex, SearchResult } from './message-index';

/** The longest search text and the most hits one search returns. */
const MAX_SEARCH_QUERY = 200;
const MAX_SEARCH_LIMIT = 1_000;

/**
 * Messages added, replaced or removed since the snapshot that make it worth rewriting: below this, reconciling
 * at the next unlock opens at most this many records (tens of ms), cheaper than rewriting ~40 MB each time.
 */
export const SAVE_AFTER = 500;

/**
 * The build's steps as performance measures in the worker (the benchmark reads them after a restart: which step
 * the first search waited on). Only the last build's are kept.
 */
export const BUILD_MEASURES = {
  ids: 'xmtp-inbox:search-ids',
  snapshotRead: 'xmtp-inbox:search-snapshot-read',
  snapshotLoad: 'xmtp-inbox:search-snapshot-load',
  reconcile: 'xmtp-inbox:search-reconcile',
  build: 'xmtp-inbox:search-build',
} as const;

function measure(name: string, start: number): void {
  performance.clearMeasures(name);
  performance.measure(name, { start, end: performance.now() });
}

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
  /** Writes the snapshot now if anything changed since the last one (tests, benchmarks); waits for it. */
  persist(): Promise<void>;
  /** How the last build went: from the snapshot (with how many messages reconciled) or from every message. */
  readonly lastBuild: { from: 'snapshot' | 'messages'; reconciled: number } | undefined;
}

export interface SearchIndexOptions {
  /** Wait after a change before rewriting the snapshot, so a burst of messages is written once. */
  saveDelayMs?: number;
  onError?: (error: unknown) => void;
}

export function withSearchIndex(
  inner: InboxCache,
  index: MessageIndex,
  { saveDelayMs = 10_000, onError = () => undefined }: SearchIndexOptions = {},
): SearchableCache {
  /** Set while (or once) the index holds the whole cache. */
  let built: Promise<void> | undefined;
  /** Changes that arrive while the index is being built, applied once it is (the build replaces its contents). */
  let queued: (() => void)[] | undefined;
  /** Bumped by reset and clear: a build or save begun before belongs to an index that is gone. */
  let generation = 0;
  /** Messages changed since the stored snapshot (Infinity: there is none worth keeping). */
  let unsaved = 0;
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  let saving: Promise<void> = Promise.resolve();
  let lastBuild: SearchableCache['lastBuild'];

  /** The snapshot opened into the index; false when there is none or it cannot be used (then rebuilt). */
  async function loadSnapshot(at: number): Promise<boolean> {
    try {
      const started = performance.now();
      const snapshot = await inner.searchSnapshot();
      measure(BUILD_MEASURES.snapshotRead, started);
      if (snapshot === undefined) return false;
      // Locked meanwhile: the text it holds must not go back into memory.
      const loading = performance.now();
      if (at === generation) index.loadSnapshot(snapshot);
      measure(BUILD_MEASURES.snapshotLoad, loading);
      return true;
    } catch (error) {
      if (error instanceof ExtensionError && error.code === 'vault_locked') throw error;
      onError(error); // corrupt or of another version: rebuilt from the messages and written anew
      return false;
    }
  }

  async function build(at: number) {
    // After each wait, a lock (or clear) since the build began means it stops, adding nothing more.
    const started = performance.now();
    const [ids, loaded] = await Promise.all([
      inner.messageIds().finally(() => measure(BUILD_MEASURES.ids, started)),
      loadSnapshot(at),
    ]);
    if (at !== generation) return;
    const reconciling = performance.now();
    if (!loaded) {
      index.clear();
      await inner.eachMessage((page) => {
        if (at === generation) index.add(page);
      });
      unsaved = Infinity;
      lastBuild = { from: 'messages', reconciled: ids.length };
    } else {
      // Reconcile: what the cache no longer has leaves the index, what the snapshot lacks is opened and added.
      const cached = new Set(ids);
      const gone = [...index.ids()].filter((id) => !cached.has(id));
      for (const id of gone) index.remove(id);
      const known = new Set(index.ids());
      const missing = ids.filter((id) => !known.has(id));
      const added = await inner.messagesById(missing);
      if (at !== generation) return;
      index.add(added);
      unsaved = gone.length + missing.length;
      lastBuild = { from: 'snapshot', reconciled: unsaved };
    }
    measure(BUILD_MEASURES.reconcile, reconciling);
    measure(BUILD_MEASURES.build, started);
  }

  function ensureBuilt(): Promise<void> {
    if (built) return built;
    const at = generation;
    queued = [];
    built = build(at).then(
      () => {
        if (at !== generation) return;
        for (const change of queued ?? []) change();
        queued = undefined;
        changed(0);
      },
      (error: unknown) => {
        if (at === generation) {
          built = undefined; // try again on the next search
          queued = undefined;
          index.clear();
        }
        throw error;
      },
    );
    return built;
  }

  /** A change of `count` messages, into the index now or once it is built. */
  function update(count: number, change: () => void) {
    if (!built) return; // not built: the next build reconciles with the cache
    if (queued) queued.push(change);
    else change();
    changed(count);
  }

  function changed(count: number) {
    unsaved += count;
    if (unsaved < SAVE_AFTER || saveTimer) return;
    saveTimer = setTimeout(() => void persist(), saveDelayMs);
  }

  function persist(): Promise<void> {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = undefined;
    saving = saving.then(async () => {
      // Not built, still building (the build's changes are counted when it ends) or nothing new: nothing to do.
      if (!built || queued || unsaved === 0) return;
      const at = generation;
      const count = unsaved;
      try {
        // Taken and handed to the cache's write queue in the same turn, so a clear() called after this point
        // runs after the write (and deletes it), and one called before has bumped the generation.
        const snapshot = index.toSnapshot();
        unsaved = 0;
        await inner.setSearchSnapshot(snapshot);
      } catch (error) {
        if (at === generation) unsaved += count;
        onError(error);
      }
    });
    return saving;
  }

  function reset() {
    generation++;
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = undefined;
    index.clear();
    built = undefined;
    queued = undefined;
    unsaved = 0;
  }

  const cache: InboxCache = {
    ...inner,
    async addMessages(messages, selfAddress) {
      const added = await inner.addMessages(messages, selfAddress);
      update(messages.length, () => index.add(messages));
      return added;
    },
    async replaceMessage(oldId, message) {
      await inner.replaceMessage(oldId, message);
      update(1, () => {
        index.remove(oldId);
        index.add([message]);
      });
    },
    async clear() {
      reset();
      await inner.clear(); // the snapshot too
    },
  };

  return {
    cache,
    async search(query, options) {
      checkSearch(query, options?.limit);
      await ensureBuilt();
      return index.search(query, options);
    },
    reset,
    persist,
    get lastBuild() {
      return lastBuild;
    },
  };
}
