// `npm run bench -- search [--conversations=N] [--messages=M] [--queries=Q] [--corpus=harsh|zipf|both]`
// Full-text search (issue #17 item 4) over an account with N conversations and M cached messages (default 10,000
// and 100,000) in the sealed cache (fake-indexeddb in Node, as the worker's IndexedDB), for each corpus:
// - the index built from every sealed message (no snapshot yet: the first unlock after install or upgrade), the
//   snapshot written, then the index built as an unlock does, from the sealed snapshot, with nothing new and with
//   1,000 messages stored since it (reconciled by id);
// - Q searches of one or two words or prefixes, p50 and p95, through the cache's search (what the popup asks), and
//   the same queries on MiniSearch (the library used before) indexing the same messages, as the reference;
// - the heap the index holds.
// Corpora (bench/_search-corpus.ts): "harsh", 44 words, each in ~1 message of 5; "zipf", 4,000 words as in real text.
// No XMTP inbox has full-text search to run beside it. Prints markdown tables.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import MiniSearch from 'minisearch';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInboxCache } from '@/extension/cache/cache';
import { CONTENT_TYPES } from '@/extension/cache/records';
import { vaultCacheKeys } from '@/extension/cache/sealing';
import { foldTerm } from '@/extension/search/fold';
import { withSearchIndex } from '@/extension/search/indexed-cache';
import { createMessageIndex } from '@/extension/search/message-index';
import { createMemoryArea } from '../test/helpers/memory-area';
import { createVault } from '@/extension/vault/vault';
import { seedCache } from './_seed-cache';
import { searchCorpus, type CorpusName } from './_search-corpus';
import { flag } from './_args';

const CONVERSATIONS = Number(flag('conversations') ?? 10_000);
const MESSAGES = Number(flag('messages') ?? 100_000);
const QUERIES = Number(flag('queries') ?? 200);
const CORPORA = (flag('corpus') ?? 'both') === 'both' ? ['harsh', 'zipf'] : [flag('corpus')!];
const log = (line: string) => console.error(`[bench search] ${line}`);
const ms = (v: number) => `${v.toFixed(1)} ms`;
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};
const pass = (ok: boolean) => (ok ? 'pass' : '**FAIL**');

async function run(name: CorpusName) {
  const { sentence, query } = searchCorpus(name);
  const indexedDB = new IDBFactory();
  const vault = createVault({ indexedDB, session: createMemoryArea() });
  await vault.create('a key bundle for the search benchmark', 'correct horse battery');
  const cache = createInboxCache({ indexedDB, keys: vaultCacheKeys(vault) });
  const self = '0x1111111111111111111111111111111111111111';
  log(`${name}: seeding ${CONVERSATIONS} conversations and ${MESSAGES} messages…`);
  const texts: string[] = [];
  const topics = await seedCache(cache, {
    self,
    conversations: CONVERSATIONS,
    messages: MESSAGES,
    text: (k) => (texts[k] = sentence()),
    fromPeer: () => false,
  });

  // First unlock with no snapshot: every sealed message opened and indexed; then the snapshot is written.
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const first = withSearchIndex(cache, createMessageIndex());
  let started = performance.now();
  await first.search(''); // builds the index
  const coldMs = performance.now() - started;
  global.gc?.();
  const heapIndex = process.memoryUsage().heapUsed - heapBefore;
  started = performance.now();
  await first.persist();
  const persistMs = performance.now() - started;
  first.reset();

  // An unlock: a new index (as after a worker restart), built from the snapshot.
  const unlocks: number[] = [];
  for (let i = 0; i < 3; i++) {
    const again = withSearchIndex(cache, createMessageIndex());
    started = performance.now();
    await again.search('');
    unlocks.push(performance.now() - started);
    if (again.lastBuild?.from !== 'snapshot' || again.lastBuild.reconciled !== 0)
      throw new Error(`unexpected build: ${JSON.stringify(again.lastBuild)}`);
    again.reset();
  }
  // 1,000 messages arrive while locked (a catch-up), then an unlock.
  const now = Date.now();
  await cache.addMessages(
    Array.from({ length: 1_000 }, (_, k) => ({
      id: `late${k}`,
      topic: topics[k % topics.length]!,
      senderAddress: self,
      sentAt: now + k,
      contentType: CONTENT_TYPES.text,
      content: sentence(),
      status: 'sent' as const,
    })),
    self,
  );
  const searchable = withSearchIndex(cache, createMessageIndex());
  started = performance.now();
  await searchable.search('');
  const reconcileMs = performance.now() - started;
  if (searchable.lastBuild?.reconciled !== 1_000)
    throw new Error(`reconciled ${searchable.lastBuild?.reconciled}`);

  // The same messages in MiniSearch, configured as our index was before (words and prefixes, AND, folded).
  const mini = new MiniSearch<{ id: number; text: string }>({
    fields: ['text'],
    storeFields: ['text'],
    processTerm: (term) => foldTerm(term) || null,
    searchOptions: { prefix: true, combineWith: 'AND' },
  });
  mini.addAll(texts.map((text, id) => ({ id, text })));

  const queries = Array.from({ length: QUERIES }, (_, q) => query(q));
  const times: number[] = [];
  const miniTimes: number[] = [];
  let hits = 0;
  let matched = 0;
  for (const query of queries) {
    // Interleaved, so both see the same load.
    started = performance.now();
    const { groups } = await searchable.search(query);
    times.push(performance.now() - started);
    hits += groups.reduce((n, g) => n + g.hits.length, 0);
    started = performance.now();
    matched += mini.search(query).length;
    miniTimes.push(performance.now() - started);
  }
  const p95 = quantile(times, 0.95);
  const label = name === 'harsh' ? '44-word vocabulary' : 'Zipf, 4,000 words';
  console.log(
    [
      `\n### ${label}: ${CONVERSATIONS} conversations, ${MESSAGES} messages\n`,
      '| measure | result | target |',
      '| --- | --- | --- |',
      `| index built from every sealed message (no snapshot: first unlock after install) | ${ms(coldMs)} | |`,
      `| … snapshot sealed and written | ${ms(persistMs)} | |`,
      `| index built at unlock, from the sealed snapshot (3 unlocks) | median ${ms(quantile(unlocks, 0.5))}, max ${ms(Math.max(...unlocks))} | < 3 s: ${pass(Math.max(...unlocks) < 3000)} |`,
      `| … with 1,000 messages stored since the snapshot | ${ms(reconcileMs)} | < 3 s: ${pass(reconcileMs < 3000)} |`,
      `| search, ${QUERIES} queries of one or two words or prefixes (mean ${(hits / QUERIES).toFixed(0)} hits shown of ${(matched / QUERIES).toFixed(0)} matching) | p50 ${ms(quantile(times, 0.5))}, p95 ${ms(p95)} | p95 < 50 ms: ${pass(p95 < 50)} |`,
      `| reference: the same queries on MiniSearch 7.2 (the index before), same messages | p50 ${ms(quantile(miniTimes, 0.5))}, p95 ${ms(quantile(miniTimes, 0.95))} | |`,
      `| heap held by the index | ${(heapIndex / 1024 / 1024).toFixed(1)} MiB | |`,
    ].join('\n'),
  );
  searchable.reset();
  cache.close();
}

const loadStart = loadavg()[0]!.toFixed(1);
for (const name of CORPORA) {
  if (name !== 'harsh' && name !== 'zipf') throw new Error(`--corpus must be harsh, zipf or both: ${name}`);
  await run(name);
}
console.log(
  `\nNode ${process.version}, ${cpus().length} cores, load average ${loadStart} at start and ${loadavg()[0]!.toFixed(1)} at the end; IndexedDB is fake-indexeddb (pure JS).`,
);
