// `npm run bench -- search [--conversations=N] [--messages=M] [--queries=Q]`
// Full-text search (issue #17 item 4) over an account with N conversations and M cached messages (default 10,000
// and 100,000) in the sealed cache (fake-indexeddb in Node, as the worker's IndexedDB): the index built from the
// encrypted cache (what the first search after unlock does), then Q searches of one or two words, p50 and p95, and
// the heap the index holds. No XMTP inbox has full-text search to run beside it. Prints a markdown table.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInboxCache } from '@/extension/cache/cache';
import { vaultCacheKeys } from '@/extension/cache/sealing';
import { withSearchIndex } from '@/extension/search/indexed-cache';
import { createMessageIndex } from '@/extension/search/message-index';
import { createMemoryArea } from '../test/helpers/memory-area';
import { createVault } from '@/extension/vault/vault';
import { seedCache } from './_seed-cache';
import { flag } from './_args';

const CONVERSATIONS = Number(flag('conversations') ?? 10_000);
const MESSAGES = Number(flag('messages') ?? 100_000);
const QUERIES = Number(flag('queries') ?? 200);
const log = (line: string) => console.error(`[bench search] ${line}`);
const ms = (v: number) => `${v.toFixed(1)} ms`;
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};

// Words people write, so queries hit a realistic share of messages (some many, some few).
const WORDS =
  'meet tomorrow lunch invoice contract wallet token swap bridge gas fee launch deploy review merge design call later tonight weekend coffee demo hackathon grant proposal vote snapshot airdrop mint drop sale floor price chart bullish bearish sorry thanks great awesome cool okay sure maybe'.split(
    ' ',
  );
let seed = 7;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const sentence = () =>
  Array.from(
    { length: 6 + Math.floor(random() * 10) },
    () => WORDS[Math.floor(random() * WORDS.length)]!,
  ).join(' ');

const indexedDB = new IDBFactory();
const vault = createVault({ indexedDB, session: createMemoryArea() });
await vault.create('a key bundle for the search benchmark', 'correct horse battery');
const cache = createInboxCache({ indexedDB, keys: vaultCacheKeys(vault) });
const self = '0x1111111111111111111111111111111111111111';
log(`seeding ${CONVERSATIONS} conversations and ${MESSAGES} messages…`);
await seedCache(cache, {
  self,
  conversations: CONVERSATIONS,
  messages: MESSAGES,
  text: () => sentence(),
  fromPeer: () => false,
});

global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const searchable = withSearchIndex(cache, createMessageIndex());
let started = performance.now();
await searchable.search(''); // builds the index
const buildMs = performance.now() - started;
global.gc?.();
const heapIndex = process.memoryUsage().heapUsed - heapBefore;

const times: number[] = [];
let hits = 0;
for (let q = 0; q < QUERIES; q++) {
  const words = Array.from({ length: 1 + (q % 2) }, () => WORDS[Math.floor(random() * WORDS.length)]!);
  const query = q % 3 === 0 ? words.map((w) => w.slice(0, 3)).join(' ') : words.join(' '); // prefixes too
  started = performance.now();
  const { groups } = await searchable.search(query);
  times.push(performance.now() - started);
  hits += groups.reduce((n, g) => n + g.hits.length, 0);
}

console.log(
  [
    '| measure | result | target |',
    '| --- | --- | --- |',
    `| index built from the sealed cache (first search after unlock), ${CONVERSATIONS} conversations, ${MESSAGES} messages | ${ms(buildMs)} | < 3 s: ${buildMs < 3000 ? 'pass' : 'FAIL'} |`,
    `| search, ${QUERIES} queries of one or two words or prefixes (up to 200 hits each, mean ${(hits / QUERIES).toFixed(0)}) | p50 ${ms(quantile(times, 0.5))}, p95 ${ms(quantile(times, 0.95))} | p95 < 50 ms: ${quantile(times, 0.95) < 50 ? 'pass' : 'FAIL'} |`,
    `| heap held by the index | ${(heapIndex / 1024 / 1024).toFixed(1)} MiB |  |`,
  ].join('\n'),
);
console.log(
  `\nNode ${process.version}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}; IndexedDB is fake-indexeddb (pure JS).`,
);
