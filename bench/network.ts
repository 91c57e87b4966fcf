// `npm run bench -- network [--quick] [--envelopes=N] [--publishes=N] [--only=latency,anti-entropy,sync] [--profile]`
// A network of nodes, each a child process (`bin/xmtp-inbox.js node --p2p-port 0 …`) on loopback:
// 1. publish→delivery latency with 3 nodes: one envelope at a time, published on each node in turn, received
//    by a subscribe-all stream on every node; deliveries on the publishing node itself are the reference.
// 2. anti-entropy: 3 nodes syncing with each other every 2 s while envelopes are published round-robin in
//    batches; how many envelopes the periodic sync transfers again, against what gossip delivered.
// 3. history sync: a node joins a source whose SQLite store was preloaded with N envelopes (default 1,000,000;
//    100,000 with --quick) and catches up; its envelopes/s are printed next to the raw inserts/s of the
//    preload, through the same store's insert in 10,000-envelope batches (building the envelopes not
//    timed), and of the same inserts into a new store right after the sync, so the rates come from the
//    same run on the same machine (before and after, as the load of a shared machine drifts). Every
//    envelope is checked to be on the late node exactly once.
// Prints a markdown table. Auth and rate limits are off: this measures the relay and sync paths.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { SqliteStore } from '@/network/store/sqlite';
import type { StoredEnvelope } from '@/network/store/store';
import { spawnNode } from '../test/network/p2p/process';
import type { NodeProcess } from '../test/network/p2p/process';
import { flag, has } from './_args';

const quick = has('quick');
const ENVELOPES = Number(flag('envelopes') || (quick ? 100_000 : 1_000_000));
const PUBLISHES = Number(flag('publishes') || (quick ? 150 : 600));
const PUBLISH_INTERVAL_MS = 20;
const MESSAGE_BYTES = 256;

const root = mkdtempSync(join(tmpdir(), 'xmtp-bench-network-'));
const nodes: NodeProcess[] = [];
process.on('exit', () => {
  for (const node of nodes) node.child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const now = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (line: string): void => console.error(`[bench network] ${line}`);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function start(name: string, extra: string[] = []): Promise<NodeProcess> {
  // --profile: a V8 CPU profile of each node in bench/results (open it in Chrome's DevTools).
  const profile = has('profile')
    ? ['--cpu-prof', `--cpu-prof-dir=${join(process.cwd(), 'bench/results')}`]
    : [];
  const node = await spawnNode(['--data-dir', join(root, name), ...extra], profile);
  nodes.push(node);
  return node;
}

async function getJson(url: string): Promise<{ relayPeers: string[] }> {
  return (await fetch(url)).json() as Promise<{ relayPeers: string[] }>;
}

async function metric(node: NodeProcess, line: RegExp): Promise<number> {
  // A fresh connection per poll: a reused keep-alive socket can be reset while the node is busy.
  const get = async () => (await fetch(`${node.url}/metrics`, { headers: { Connection: 'close' } })).text();
  const text = await get().catch(async () => {
    await sleep(500);
    return get();
  });
  const match = line.exec(text);
  return match ? Number(match[1]) : 0;
}

/** A subscribe-all NDJSON stream; calls `onLine` with each envelope's message text. */
function subscribeAll(node: NodeProcess, onLine: (message: string) => void): () => void {
  const url = new URL(`${node.url}/message/v1/subscribe-all`);
  let buffer = '';
  const req = request(
    { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false },
    (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let i;
        while ((i = buffer.indexOf('\n')) >= 0) {
          const line = JSON.parse(buffer.slice(0, i));
          buffer = buffer.slice(i + 1);
          if (line.result) onLine(Buffer.from(line.result.message, 'base64').toString());
        }
      });
    },
  );
  req.on('error', () => undefined);
  req.end('{}');
  return () => req.destroy();
}

async function latency(): Promise<{ cross: number[]; local: number[]; delivered: number; expected: number }> {
  const a = await start('a');
  const b = await start('b', ['--bootstrap', a.addr]);
  const c = await start('c', ['--bootstrap', a.addr]);
  const trio = [a, b, c];
  for (;;) {
    const views = await Promise.all(trio.map((n) => getJson(`${n.url}/peers`)));
    if (views.every((v) => v.relayPeers.length === 2)) break;
    await sleep(100);
  }
  const sentAt = new Map<string, { at: number; from: number }>();
  const cross: number[] = [];
  const local: number[] = [];
  const seen = new Set<string>();
  let delivered = 0;
  const stops = trio.map((node, k) =>
    subscribeAll(node, (message) => {
      const t = now();
      const sent = sentAt.get(message);
      if (!sent) return;
      const key = `${k}|${message}`;
      if (seen.has(key)) throw new Error(`delivered twice on node ${k}: ${message}`);
      seen.add(key);
      delivered++;
      (sent.from === k ? local : cross).push(t - sent.at);
    }),
  );
  await sleep(500);
  const topic = '/xmtp/0/m-bench-network/proto';
  for (let i = 0; i < PUBLISHES; i++) {
    const from = i % 3;
    const message = `latency ${i} ${randomBytes(8).toString('hex')}`;
    sentAt.set(message, { at: now(), from });
    const res = await fetch(`${trio[from]!.url}/message/v1/publish`, {
      method: 'POST',
      body: JSON.stringify({
        envelopes: [
          {
            contentTopic: topic,
            timestampNs: String(BigInt(Date.now()) * 1_000_000n),
            message: Buffer.from(message).toString('base64'),
          },
        ],
      }),
    });
    if (res.status !== 200) throw new Error(`publish failed: ${res.status}`);
    await res.text();
    await sleep(PUBLISH_INTERVAL_MS);
  }
  await sleep(2000);
  for (const stop of stops) stop();
  await Promise.all(trio.map((n) => n.stop()));
  nodes.length = 0;
  return {
    cross: cross.sort((x, y) => x - y),
    local: local.sort((x, y) => x - y),
    delivered,
    expected: PUBLISHES * 3,
  };
}

interface AntiEntropy {
  published: number;
  /** Envelopes each node got from peers over gossip, summed. */
  gossiped: number;
  /** Envelopes sync fetched that the node had already, that were new, and that it skipped by digest. */
  present: number;
  fresh: number;
  skipped: number;
  /** Requests refused or envelopes dropped by per-peer limits, all kinds, all nodes (honest traffic: 0). */
  limited: number;
}

async function antiEntropy(): Promise<AntiEntropy> {
  const a = await start('ae-a', ['--sync-interval', '2']);
  const b = await start('ae-b', ['--bootstrap', a.addr, '--sync-interval', '2']);
  const c = await start('ae-c', ['--bootstrap', a.addr, '--sync-interval', '2']);
  const trio = [a, b, c];
  for (;;) {
    const views = await Promise.all(trio.map((n) => getJson(`${n.url}/peers`)));
    if (views.every((v) => v.relayPeers.length === 2)) break;
    await sleep(100);
  }
  const batches = quick ? 30 : 60;
  const topic = '/xmtp/0/m-bench-anti-entropy/proto';
  for (let i = 0; i < batches; i++) {
    const envelopes = Array.from({ length: 100 }, (_, j) => ({
      contentTopic: topic,
      timestampNs: String(BigInt(Date.now()) * 1_000_000n + BigInt(j)),
      message: randomBytes(MESSAGE_BYTES).toString('base64'),
    }));
    const res = await fetch(`${trio[i % 3]!.url}/message/v1/publish`, {
      method: 'POST',
      body: JSON.stringify({ envelopes }),
    });
    if (res.status !== 200) throw new Error(`publish failed: ${res.status}`);
    await res.text();
    await sleep(200);
  }
  // Two more sync rounds after the last publish.
  await sleep(5000);
  const sum = async (line: RegExp): Promise<number> =>
    (await Promise.all(trio.map((n) => metric(n, line)))).reduce((x, y) => x + y, 0);
  const result: AntiEntropy = {
    published: batches * 100,
    gossiped: await sum(/^xmtp_p2p_envelopes_relayed_total\{direction="in"\} (\d+)$/m),
    present: await sum(/^xmtp_sync_envelopes_total\{result="present"\} (\d+)$/m),
    fresh: await sum(/^xmtp_sync_envelopes_total\{result="new"\} (\d+)$/m),
    skipped: await sum(/^xmtp_sync_envelopes_total\{result="skipped"\} (\d+)$/m),
    limited: 0,
  };
  for (const node of trio) {
    const text = await (await fetch(`${node.url}/metrics`, { headers: { Connection: 'close' } })).text();
    for (const m of text.matchAll(/^xmtp_p2p_peer_limited_total\{kind="[a-z_]+"\} (\d+)$/gm)) {
      result.limited += Number(m[1]);
    }
  }
  await Promise.all(trio.map((n) => n.stop()));
  nodes.length = 0;
  return result;
}

/** CPU time of every thread of process `pid` (ms on a core, ms runnable but waiting for one), or undefined off Linux. */
function processCpu(pid: number): { onCpu: number; waited: number } | undefined {
  try {
    let onCpu = 0;
    let waited = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ');
      onCpu += Number(run) / 1e6;
      waited += Number(wait) / 1e6;
    }
    return { onCpu, waited };
  } catch {
    return undefined;
  }
}

/** `after` minus `before`, per field (undefined if either is). */
function cpuSpent(
  before: ReturnType<typeof processCpu>,
  after: ReturnType<typeof processCpu>,
): { onCpu: number; waited: number } | undefined {
  if (!before || !after) return undefined;
  return { onCpu: after.onCpu - before.onCpu, waited: after.waited - before.waited };
}

interface SyncRun {
  syncSeconds: number;
  /** Seconds from the late node listening until its first synced envelope was stored. */
  firstSeconds: number;
  /** Raw inserts/s into a new SQLite store, measured before the sync (the preload) and after it. */
  insertBefore: number;
  insertAfter: number;
  /** CPU seconds the raw inserts took (this process, every thread: the writer's included), per run. */
  insertCpuBefore: number;
  insertCpuAfter: number;
  /** Each node's CPU during the sync, all threads (ms), from /proc; undefined off Linux. */
  sourceCpu?: { onCpu: number; waited: number };
  lateCpu?: { onCpu: number; waited: number };
  /** Rows on the late node, and distinct digests among them (a digest covers topic and message). */
  rows: number;
  distinct: number;
}

/**
 * Inserts the bench's N envelopes into a new SQLite store at `path` in 10,000-envelope batches; returns the
 * insert rate (only the inserts are timed, not building the envelopes).
 */
async function rawInserts(path: string): Promise<{ rate: number; cpuSeconds: number }> {
  const store = new SqliteStore(path);
  await store.ready;
  const topics = Array.from(
    { length: Math.max(100, ENVELOPES / 50) },
    (_, i) => `/xmtp/0/m-${createHash('sha256').update(`sync${i}`).digest('hex')}/proto`,
  );
  const payload = randomBytes(MESSAGE_BYTES);
  let insertMs = 0;
  let cpuMicros = 0;
  for (let i = 0; i < ENVELOPES; i += 10_000) {
    const batch: StoredEnvelope[] = [];
    for (let j = i; j < Math.min(i + 10_000, ENVELOPES); j++) {
      const message = Buffer.from(payload);
      message.writeUInt32BE(j, 0);
      const contentTopic = topics[j % topics.length]!;
      batch.push({
        contentTopic,
        timestampNs: 1_718_000_000_000_000_000n + BigInt(j) * 1000n,
        message,
        digest: createHash('sha256').update(contentTopic, 'utf8').update(message).digest(),
      });
    }
    const started = now();
    const cpu = process.cpuUsage();
    await store.insert(batch);
    const spent = process.cpuUsage(cpu);
    cpuMicros += spent.user + spent.system;
    insertMs += now() - started;
  }
  await store.close();
  return { rate: ENVELOPES / (insertMs / 1000), cpuSeconds: cpuMicros / 1e6 };
}

/** One read-only connection to the late node's database while the bench polls it (see historySync). */
let rowsDb: { db: Database.Database; maxId: Database.Statement } | undefined;

/** Rows in the SQLite store at `path` (its highest rowid), 0 while it does not exist yet. */
function storedRows(path: string): number {
  if (!rowsDb) {
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
      rowsDb = { db, maxId: db.prepare('SELECT coalesce(max(id), 0) FROM envelopes').pluck() };
    } catch {
      // Not created or not migrated yet.
      db?.close();
      return 0;
    }
  }
  return rowsDb.maxId.get() as number;
}

function closeStoredRows(): void {
  rowsDb?.db.close();
  rowsDb = undefined;
}

async function historySync(): Promise<SyncRun> {
  log(`preloading ${ENVELOPES} envelopes into the source store…`);
  const before = await rawInserts(join(root, 'source', 'envelopes.db'));
  log(`preloaded at ${Math.round(before.rate)} envelopes/s; starting the source and a late node…`);

  const source = await start('source');
  // From the moment the late node listens (process start-up excluded) until it holds everything.
  const late = await start('late', ['--bootstrap', source.addr]);
  const begin = now();
  const cpuAtBegin = [processCpu(source.child.pid!), processCpu(late.child.pid!)];
  let last = 0;
  let polls = 0;
  /** When the first synced envelope was stored (connecting, identify and the first page before it). */
  let firstAt: number | undefined;
  const trace: string[] = [];
  for (;;) {
    if (late.child.exitCode !== null || source.child.exitCode !== null) {
      throw new Error(
        `a node exited during the sync:\nlate:\n${late.output().slice(-4000)}\nsource:\n${source.output().slice(-2000)}`,
      );
    }
    // The late node's rows, read from its database (its highest rowid: rows are only added, one per
    // envelope) by this process: scraping the node's /metrics this often cost its main thread about 6 ms a
    // scrape (process metrics), CPU the sync itself would have had, and a scrape every 250 ms saw the end up
    // to 250 ms late (5 % of a 200,000-envelope run).
    const synced = storedRows(join(root, 'late', 'envelopes.db'));
    if (synced > 0) firstAt ??= now();
    if (++polls % 5 === 0) trace.push(`${((now() - begin) / 1000).toFixed(1)}:${synced}`);
    if (synced >= ENVELOPES) break;
    if (synced !== last && synced % 100_000 < 5000) log(`synced ${synced}`);
    last = synced;
    await sleep(50);
  }
  closeStoredRows();
  const syncSeconds = (now() - begin) / 1000;
  const sourceCpu = cpuSpent(cpuAtBegin[0], processCpu(source.child.pid!));
  const lateCpu = cpuSpent(cpuAtBegin[1], processCpu(late.child.pid!));
  const firstSeconds = ((firstAt ?? now()) - begin) / 1000;
  log(`first envelope stored after ${firstSeconds.toFixed(1)} s; progress (s:envelopes) ${trace.join(' ')}`);
  await Promise.all([source.stop(), late.stop()]);
  const db = new Database(join(root, 'late', 'envelopes.db'), { readonly: true });
  const { rows, uniq: distinct } = db
    .prepare('SELECT count(*) AS rows, count(DISTINCT digest) AS uniq FROM envelopes')
    .get() as { rows: number; uniq: number };
  db.close();
  // The reference again right after the sync, into a store of its own: on a shared machine the load changes
  // within a minute, and one reference taken before the sync alone could be measured at another load.
  log('raw inserts again, after the sync…');
  const after = await rawInserts(join(root, 'raw-after', 'envelopes.db'));
  return {
    syncSeconds,
    firstSeconds,
    insertBefore: before.rate,
    insertAfter: after.rate,
    insertCpuBefore: before.cpuSeconds,
    insertCpuAfter: after.cpuSeconds,
    sourceCpu,
    lateCpu,
    rows,
    distinct,
  };
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;
const only = flag('only')?.split(',') ?? ['latency', 'anti-entropy', 'sync'];
const rows: string[] = [];
if (only.includes('latency')) {
  const lat = await latency();
  log(`latency: ${lat.delivered}/${lat.expected} deliveries`);
  rows.push(
    `| cross-node publish→delivery p50 | ${ms(percentile(lat.cross, 50))} | same-node p50 ${ms(percentile(lat.local, 50))} |`,
    `| cross-node publish→delivery p99 | ${ms(percentile(lat.cross, 99))} | same-node p99 ${ms(percentile(lat.local, 99))} |`,
    `| deliveries (each envelope once on each node) | ${lat.delivered} / ${lat.expected} | |`,
  );
}
if (only.includes('anti-entropy')) {
  const ae = await antiEntropy();
  log(`anti-entropy: ${JSON.stringify(ae)}`);
  rows.push(
    `| anti-entropy (sync every 2 s): envelopes sync transferred again | ${ae.present.toLocaleString('en')} (+ ${ae.fresh.toLocaleString('en')} new), ${ae.skipped.toLocaleString('en')} skipped by digest | ${ae.gossiped.toLocaleString('en')} delivered by gossip (${ae.published.toLocaleString('en')} published × 2 peers) |`,
    `| per-peer limit hits in the anti-entropy phase (default limits) | ${ae.limited} | |`,
  );
}
if (only.includes('sync')) {
  const sync = await historySync();
  const syncRate = ENVELOPES / sync.syncSeconds;
  const reference = (sync.insertBefore + sync.insertAfter) / 2;
  const exact = sync.rows === ENVELOPES && sync.distinct === ENVELOPES;
  rows.push(
    `| history sync of ${ENVELOPES.toLocaleString('en')} envelopes | ${sync.syncSeconds.toFixed(1)} s, ${Math.round(syncRate).toLocaleString('en')} envelopes/s | raw inserts into the same SQLite store ${Math.round(sync.insertBefore).toLocaleString('en')}/s before the sync, ${Math.round(sync.insertAfter).toLocaleString('en')}/s after: sync at ${((syncRate / reference) * 100).toFixed(0)} % of their mean (target ≥ 50 %) |`,
    `| of which until the first synced envelope was stored (connect, identify, first page) | ${sync.firstSeconds.toFixed(1)} s | |`,
    `| CPU time: both nodes during the sync (every thread; source + late) / the raw inserts (this process, every thread; before, after) | ${sync.sourceCpu && sync.lateCpu ? `${((sync.sourceCpu.onCpu + sync.lateCpu.onCpu) / 1000).toFixed(1)} s (${(sync.sourceCpu.onCpu / 1000).toFixed(1)} + ${(sync.lateCpu.onCpu / 1000).toFixed(1)}), their threads waited ${((sync.sourceCpu.waited + sync.lateCpu.waited) / 1000).toFixed(1)} s for a core` : 'n/a (no /proc)'} | ${sync.insertCpuBefore.toFixed(1)} s, ${sync.insertCpuAfter.toFixed(1)} s |`,
    `| envelopes on the late node afterwards (rows / distinct digests) | ${sync.rows.toLocaleString('en')} / ${sync.distinct.toLocaleString('en')} | ${ENVELOPES.toLocaleString('en')} on the source${exact ? '' : ' (**not exactly once**)'} |`,
  );
  if (!exact) process.exitCode = 1;
}

const load = (await import('node:os')).loadavg()[0]!;
console.log(`Command: \`npm run bench -- network${process.argv.length > 2 ? ' ' + process.argv.slice(2).join(' ') : ''}\` · ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · Node ${process.version} · load average ${load.toFixed(1)} at the end
3 nodes on loopback (child processes, 2-core machine), ${PUBLISHES} publishes of one envelope every ${PUBLISH_INTERVAL_MS} ms, round-robin over the nodes, a subscribe-all stream on every node.
History sync: a new node catches up from a source node whose SQLite store holds ${ENVELOPES.toLocaleString('en')} envelopes of ${MESSAGE_BYTES} bytes.

| measure | value | reference (same run) |
|---|---|---|
${rows.join('\n')}
`);
process.exit();
