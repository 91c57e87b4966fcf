// The SQLite store before and after a change, side by side in one process: `npx tsx bench/_store-ab.ts
// --before=/tmp/store-before [--rows=1000000] [--rounds=5] [--seconds=3]`, where /tmp/store-before is another
// checkout (`git worktree add /tmp/store-before <commit>`). Both stores open a copy of the same preloaded
// database and take turns, round by round, so outside load on this shared machine hits both alike:
// - batch: 8 concurrent inserts of 100 envelopes each (a busy batch publisher), and
// - single: 32 concurrent one-envelope inserts through group commit, as the node's publishes arrive.
// The node benchmark (bench/node.ts --before) measures the same through HTTP, with more noise around it.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { envelopeDigest } from '@/network/store/digest';
import { withGroupCommit } from '@/network/store/group-commit';
import { SqliteStore } from '@/network/store/sqlite';
import type { EnvelopeStore, StoredEnvelope } from '@/network/store/store';
import { flag } from './_args';
import { message, messagesMade, nowNs, topicName } from './_envelopes';

const BEFORE = flag('before');
if (!BEFORE) throw new Error('usage: npx tsx bench/_store-ab.ts --before=<checkout of the old store>');
const ROWS = Number(flag('rows') ?? 1_000_000);
const ROUNDS = Number(flag('rounds') ?? 5);
const SECONDS = Number(flag('seconds') ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'xmtp-store-ab-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const log = (line: string): void => console.error(`[store-ab] ${line}`);

function envelope(topic: string, timestampNs = nowNs()): StoredEnvelope {
  const bytes = message();
  return { contentTopic: topic, timestampNs, message: bytes, digest: envelopeDigest(topic, bytes) };
}

// One preload (through the current store), copied for each side.
{
  const started = performance.now();
  const store = new SqliteStore(join(dir, 'base.db'));
  const topics = ROWS / 50;
  const end = nowNs();
  for (let done = 0; done < ROWS; done += 20_000) {
    const batch = Array.from({ length: Math.min(20_000, ROWS - done) }, () =>
      envelope(
        topicName(Math.floor(topics * Math.random() ** 2)),
        end - BigInt(Math.floor(Math.random() * 2.6e12)) * 1000n,
      ),
    );
    await store.insert(batch);
  }
  await store.close();
  log(
    `preloaded ${ROWS.toLocaleString('en')} envelopes in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}
copyFileSync(join(dir, 'base.db'), join(dir, 'now.db'));
copyFileSync(join(dir, 'base.db'), join(dir, 'before.db'));

const { SqliteStore: BeforeStore } = (await import(join(BEFORE, 'src/network/store/sqlite.ts'))) as {
  SqliteStore: new (path: string) => EnvelopeStore & { ready: Promise<void> };
};
const { withGroupCommit: beforeGroupCommit } = (await import(
  join(BEFORE, 'src/network/store/group-commit.ts')
)) as {
  withGroupCommit: typeof withGroupCommit;
};
const now = new SqliteStore(join(dir, 'now.db'));
const before = new BeforeStore(join(dir, 'before.db'));
await Promise.all([now.ready, before.ready]);
const sides = [
  { name: 'now', store: now, grouped: withGroupCommit(now, { inFlight: 2 }) },
  { name: 'before', store: before as EnvelopeStore, grouped: beforeGroupCommit(before, { inFlight: 2 }) },
];

const liveTopic = (): string => topicName(2_000_000 + (messagesMade() % 1000));

/** Envelopes/s and process CPU µs per envelope over `SECONDS` of `workers` loops of `insert(size)`. */
async function drive(
  store: EnvelopeStore,
  workers: number,
  size: number,
): Promise<{ rate: number; cpu: number }> {
  let rows = 0;
  const until = performance.now() + SECONDS * 1000;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < until) {
        const batch = Array.from({ length: size }, () => envelope(liveTopic()));
        await store.insert(batch);
        rows += size;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return { rate: rows / ((performance.now() - started) / 1000), cpu: (used.user + used.system) / rows };
}

const results = new Map<string, { rate: number; cpu: number }[]>();
const record = (key: string, value: { rate: number; cpu: number }): void => {
  results.set(key, [...(results.get(key) ?? []), value]);
};
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which side goes first.
  for (const side of round % 2 ? [...sides].reverse() : sides) {
    record(`batch ${side.name}`, await drive(side.store, 8, 100));
    record(`single ${side.name}`, await drive(side.grouped, 32, 1));
  }
  log(`round ${round + 1}/${ROUNDS} done`);
}
await Promise.all(sides.map((s) => s.store.close()));

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (n: number): string => Math.round(n).toLocaleString('en');
const load = (await import('node:os')).loadavg()[0]!;
console.log(
  `Command: \`npx tsx bench/_store-ab.ts --before=${BEFORE} --rows=${ROWS} --rounds=${ROUNDS} --seconds=${SECONDS}\` · ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · Node ${process.version} · load average ${load.toFixed(1)} at the end\n`,
);
console.log('| workload | now | before | now / before |');
console.log('|---|---|---|---|');
for (const [workload, label] of [
  ['batch', '100-envelope inserts, 8 concurrent'],
  ['single', '1-envelope inserts, 32 concurrent, group commit'],
] as const) {
  const a = results.get(`${workload} now`)!;
  const b = results.get(`${workload} before`)!;
  const cell = (r: { rate: number; cpu: number }[]): string =>
    `${fmt(median(r.map((x) => x.rate)))} envelopes/s (rounds: ${r.map((x) => fmt(x.rate)).join(', ')}); ${median(r.map((x) => x.cpu)).toFixed(1)} µs CPU each`;
  console.log(
    `| ${label}, ${ROWS.toLocaleString('en')}-envelope store | ${cell(a)} | ${cell(b)} | ${((median(a.map((x) => x.rate)) / median(b.map((x) => x.rate))) * 100).toFixed(0)} % (CPU: ${((median(b.map((x) => x.cpu)) / median(a.map((x) => x.cpu))) * 100).toFixed(0)} %) |`,
  );
}
process.exit(0);
