// Full-text search over the cached messages of the unlocked account (issue #17 item 4), with FlexSearch: words
// and prefixes, case- and accent-insensitive, across every conversation. FlexSearch indexes every prefix of every
// word ("forward" tokenizing) and keeps each term's messages bucketed by relevance, so a search reads only as many
// entries as it returns: a word found in 20,000 messages costs no more than a rare one (MiniSearch, used before,
// scored every match before keeping the first 200). The index lives in the worker's memory while unlocked; its
// snapshot (toSnapshot/fromSnapshot) is stored only sealed, by the cache (src/extension/search/indexed-cache.ts).
import { attachmentName } from '@/extension/attachments/attachment-content';
import { Index } from 'flexsearch';
import { foldTerm } from './fold';
import { highlight, queryTerms, snippet, type Highlighted } from './snippet';
import {
  decodeDocs,
  encodeDocs,
  packIntegerLists,
  unpackIntegerLists,
  type DocColumns,
} from './snapshot-codec';
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

/**
 * What the index holds, as plain JSON (compact where it is big: snapshot-codec.ts): its messages (their text too)
 * and FlexSearch's own export.
 */
export interface IndexSnapshot {
  version: typeof SNAPSHOT_VERSION;
  /** The indexed messages by column, with FlexSearch's number of each. */
  docs: DocColumns;
  /** Messages seen that have no words (reactions, receipts): known, so that a catch-up does not read them again. */
  wordless: string[];
  /**
   * FlexSearch's export, key → its data parsed (FlexSearch imports it so; a string would be parsed twice), with
   * its lists of message numbers packed (packIntegerLists).
   */
  flex: Record<string, unknown>;
}

export interface MessageIndex {
  /** Adds messages, or replaces ones already indexed (same id); messages without text are left out. */
  add(messages: MessageRecord[]): void;
  remove(id: string): void;
  search(query: string, options?: { limit?: number }): SearchResult;
  clear(): void;
  /** Every message id the index has seen (with words or without). */
  ids(): IterableIterator<string>;
  toSnapshot(): IndexSnapshot;
  /** Replaces the contents with a snapshot; throws (and stays empty) when it is not one of this version. */
  loadSnapshot(snapshot: unknown): void;
  /** Messages with words indexed. */
  readonly size: number;
}

/** Hits returned at most, across conversations: enough to browse, bounded for the popup. */
export const DEFAULT_SEARCH_LIMIT = 200;

/** 2: packed number lists and documents by column (1, plain arrays, is rebuilt from the messages once). */
const SNAPSHOT_VERSION = 2;

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

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const ASCII = /^[A-Za-z0-9]*$/;

/** A text's words as the index keeps them: folded (foldTerm), with a shortcut for plain ASCII ones (nothing to fold but case). */
function words(text: string): string[] {
  return (text.match(WORD) ?? []).map((w) => (ASCII.test(w) ? w.toLowerCase() : foldTerm(w))).filter(Boolean);
}

type Indexed = Omit<SearchHit, 'parts'>;

const flexOptions = () =>
  // resolution 9: a word near the start of a message ranks above one further in; no fuzzy matching, no context.
  new Index({ tokenize: 'forward', encode: words, resolution: 9 });

function checkSnapshot(value: unknown): IndexSnapshot {
  const s = value as Partial<IndexSnapshot> | null;
  if (
    !s ||
    s.version !== SNAPSHOT_VERSION ||
    !s.docs ||
    typeof s.docs !== 'object' ||
    !Array.isArray(s.wordless) ||
    !s.wordless.every((id) => typeof id === 'string') ||
    !s.flex ||
    typeof s.flex !== 'object' ||
    Array.isArray(s.flex)
  )
    throw new Error('not a search index snapshot of this version');
  return s as IndexSnapshot;
}

export function createMessageIndex(): MessageIndex {
  let flex = flexOptions();
  /** FlexSearch keys its entries by number; these map them to the messages. */
  let docs = new Map<number, Indexed>();
  let numbers = new Map<string, number>();
  let wordless = new Set<string>();
  let next = 0;

  function forget(id: string) {
    wordless.delete(id);
    const n = numbers.get(id);
    if (n === undefined) return;
    flex.remove(n);
    docs.delete(n);
    numbers.delete(id);
  }

  function reset() {
    flex = flexOptions();
    docs = new Map();
    numbers = new Map();
    wordless = new Set();
    next = 0;
  }

  return {
    add(messages) {
      for (const message of messages) {
        const text = searchableText(message);
        const { id, topic, sentAt, senderAddress } = message;
        const known = numbers.get(id);
        const doc = known === undefined ? undefined : docs.get(known);
        // The same message again (a catch-up overlapping the stream): nothing to change.
        if (
          doc &&
          doc.text === text &&
          doc.topic === topic &&
          doc.sentAt === sentAt &&
          doc.senderAddress === senderAddress
        )
          continue;
        forget(id);
        if (text === undefined) {
          wordless.add(id);
          continue;
        }
        const n = next++;
        docs.set(n, { id, topic, sentAt, senderAddress, text });
        numbers.set(id, n);
        flex.add(n, text);
      }
    },

    remove: forget,

    search(query, { limit = DEFAULT_SEARCH_LIMIT } = {}) {
      const terms = queryTerms(query);
      if (terms.length === 0) return { groups: [], truncated: false };
      // Every word must match (FlexSearch intersects the words' entries); one more than the limit tells truncation.
      const found = flex.search(terms.join(' '), { limit: limit + 1 }) as number[];
      const groups = new Map<string, SearchHit[]>();
      for (const n of found.slice(0, limit)) {
        const doc = docs.get(n);
        if (!doc) continue;
        const hit: SearchHit = { ...doc, parts: highlight(snippet(doc.text, terms), terms) };
        const hits = groups.get(hit.topic) ?? [];
        hits.push(hit);
        groups.set(hit.topic, hits);
      }
      return {
        groups: [...groups].map(([topic, hits]) => ({
          topic,
          hits: hits.sort((a, b) => b.sentAt - a.sentAt),
        })),
        truncated: found.length > limit,
      };
    },

    clear: reset,

    *ids() {
      yield* numbers.keys();
      yield* wordless;
    },

    toSnapshot() {
      const exported: Record<string, unknown> = {};
      flex.export((key: string, data: string) => {
        exported[key] = packIntegerLists(JSON.parse(data));
      });
      return {
        version: SNAPSHOT_VERSION,
        docs: encodeDocs([...docs].map(([n, d]) => ({ n, ...d }))),
        wordless: [...wordless],
        flex: exported,
      };
    },

    loadSnapshot(value) {
      reset();
      try {
        const snapshot = checkSnapshot(value);
        const opened = decodeDocs(snapshot.docs);
        // FlexSearch takes its export parsed as well as in text (its typings say text only).
        for (const [key, data] of Object.entries(snapshot.flex)) {
          const list = unpackIntegerLists(data);
          if (!Array.isArray(list)) throw new Error('not a search index snapshot of this version');
          flex.import(key, list as unknown as string);
        }
        for (const { n, id, topic, sentAt, senderAddress, text } of opened) {
          docs.set(n, { id, topic, sentAt, senderAddress, text });
          numbers.set(id, n);
          next = Math.max(next, n + 1);
        }
        wordless = new Set(snapshot.wordless);
      } catch (error) {
        reset();
        const reason = error instanceof Error ? error.message : String(error);
        throw reason.startsWith('not a search index snapshot')
          ? error
          : new Error(`not a search index snapshot of this version: ${reason}`);
      }
    },

    get size() {
      return docs.size;
    },
  };
}
