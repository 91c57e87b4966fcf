// Experiment behind the note on unindexed rows in docs/operating-a-node.md "Storage": how long a query takes when N rows were
// appended since the previous query and none of them is in topic_index yet (sqlite-tail.ts catches up
// first). The store runs as the node runs it (writer thread); rows go in 100 per batch over 1,000 topics,
// and every query asks for one topic's newest 100.
// npx tsx bench/_tail-catchup.ts [--rows=1000,5000,15000] [--dir=/tmp/tail-catchup]
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteStore } from '@/network/store/sqlite';
import { message, nowNs, topicName } from './_envelopes';
import { flag } from './_args';

const SIZES = (flag('rows') ?? '1000,5000,15000').split(',').map(Number);
const DIR = flag('dir') ?? '/tmp/tail-catchup';
const topics = Array.from({ length: 1000 }, (_, i) => topicName(i));

async function append(store: SqliteStore, rows: number): Promise<void> {
  for (let done = 0; done < rows; done += 100) {
    const batch = Array.from({ length: Math.min(100, rows - done) }, (_, i) => ({
      contentTopic: topics[(done + i) % topics.length]!,
      timestampNs: nowNs(),
      message: message(),
    }));
    await store.insert(batch);
  }
}

async function timedQuery(store: SqliteStore, topic: string): Promise<number> {
  const started = performance.now();
  await store.query({ contentTopics: [topic], limit: 100, direction: 'descending' });
  return performance.now() - started;
}

console.log(
  '| unindexed rows appended since the last query | first query | next query, same topic | next query, another topic |',
);
console.log('|---|---|---|---|');
for (const rows of SIZES) {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  // Passes only above the largest size, so every appended row stays unindexed.
  const store = new SqliteStore(join(DIR, 'envelopes.db'), { indexBatchRows: Math.max(...SIZES) + 1 });
  await store.ready;
  // Warm the code paths on a few rows first, so that the first timed query is not also the first query.
  await append(store, 100);
  await timedQuery(store, topics[0]!);
  await append(store, rows);
  const first = await timedQuery(store, topics[1]!);
  const again = await timedQuery(store, topics[1]!);
  const other = await timedQuery(store, topics[2]!);
  console.log(
    `| ${rows.toLocaleString('en-US')} | ${first.toFixed(2)} ms | ${again.toFixed(2)} ms | ${other.toFixed(2)} ms |`,
  );
  await store.close();
}
rmSync(DIR, { recursive: true, force: true });
