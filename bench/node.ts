// `npm run bench -- node [--quick] [--profile] [--envelopes=N] [--subscribers=N] [--receivers=c|node]
//  [--rounds=N] [--before=DIR]`
// Throughput and latency of the node on its SQLite store, next to this machine's limits measured in the
// same run: a bare node:http server driven by the same load generator, and raw better-sqlite3 inserts.
// The node and the reference server run as child processes (one core each on a 2-core machine; the load
// generator gets the other); the node's peak RSS is read from /proc/PID/status (VmHWM).
// Prints a markdown table. Auth and rate limits are off on the node: this measures the publish path.
// --before=DIR also runs the node of another checkout (e.g. `git worktree add /tmp/store-before <commit>`, with
// node_modules and .wxt linked or copied in) on a copy of the same preloaded database, and measures it in the
// same rounds as this one (single and batch publishes, queries): a change's before and after, side by side.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { envelopeDigest } from '@/network/store/digest';
import { SqliteStore } from '@/network/store/sqlite';
import {
  ADD_TOPIC_SQL,
  FIND_TOPIC_SQL,
  INDEX_BATCH_ROWS,
  INSERT_SQL,
  MAX_ID_SQL,
} from '@/network/store/sqlite-sql';
import { openIndexPass } from '@/network/store/sqlite-write-session';
import type { StoredEnvelope } from '@/network/store/store';
import { deliveriesFrom } from './_deliveries';
import { message, messagesMade, nowNs, topicName } from './_envelopes';
import { args, flag, has } from './_args';

const quick = has('quick');
const profile = has('profile');
const PRELOAD = Number(flag('envelopes') || (quick ? 100_000 : 1_000_000));
const SUBSCRIBERS = Number(flag('subscribers') || (quick ? 1_000 : 5_000));
const PRELOAD_TOPICS = Math.max(100, Math.round(PRELOAD / 50));
const SECONDS = Number(flag('seconds') || (quick ? 2 : 3));
const ROUNDS = Number(flag('rounds') || (quick ? 2 : 3));
const SINGLE_CONCURRENCY = 32;
const BATCH_CONCURRENCY = 8;
const BATCH_SIZE = 100;
const QUERIES = quick ? 300 : 2_000;
const FANOUT_PUBLISHES = quick ? 20 : 40;
// Subscriber (and TCP-floor sink) processes; the publishes alternate between the floor and the node.
const SUBSCRIBER_PROCESSES = Number(flag('subscriber-processes') || 2);
const FANOUT_ROUNDS = 2;
// Far enough apart that one fan-out is over before the next publish: this measures latency, not backlog.
const FANOUT_INTERVAL_MS = 500;
// Publishes sent first to the floor's fresh sockets (every turn) and to the node's subscribers (once) and not
// counted: the first fan-outs after 5,000 connections open run cold code and cold socket paths on both sides.
const FANOUT_WARMUP = 3;

const here = new URL('.', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'xmtp-bench-node-'));
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (line: string): void => console.error(`[bench node] ${line}`);

function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// ── children ────────────────────────────────────────────────────────────────────────────────────────
function start(
  script: string,
  argv: string[] = [],
  execArgv: string[] = [],
  checkout?: string,
): Promise<{ child: ChildProcess; url: string }> {
  // Another checkout's script compiles with that checkout's tsconfig (its `@/` points at its own src/).
  const child = fork(checkout ? join(checkout, 'bench', script) : join(here, script), argv, {
    execArgv: [...process.execArgv, ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(checkout
      ? { cwd: checkout, env: { ...process.env, TSX_TSCONFIG_PATH: join(checkout, 'tsconfig.json') } }
      : {}),
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve({ child, url: m.url }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.send('stop');
  await Promise.race([exited, sleep(10_000)]);
  child.kill('SIGKILL');
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  return kib / 1024;
}

// ── load generator: keep-alive agent, N concurrent request loops ─────────────────────────────────────
function post(
  agent: Agent,
  base: URL,
  path: string,
  body: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Rate {
  /** Successful requests per wall-clock second. */
  perSecond: number;
  /** Server CPU seconds per successful request over the same window. */
  cpuPerRequest: number;
  errors: number;
  /** Request latency percentiles (send to full answer) in ms, over the successful requests. */
  p50: number;
  p99: number;
}

/**
 * One keep-alive HTTP/1.1 connection driven by hand: write a request, read one Content-Length response,
 * repeat. It costs the load generator a fraction of what `http.request` costs, which matters on 2 cores:
 * with http.Agent loops the generator, not the server, set the pace (neither server got past ~50 % CPU).
 */
class RawConnection {
  private readonly socket: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: ((response: { status: number; body: string }) => void) | undefined;
  readonly ready: Promise<void>;

  constructor(url: URL) {
    this.socket = connect(Number(url.port), url.hostname);
    this.socket.setNoDelay(true);
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buffer.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (this.buffer.length < end + 4 + length) return;
      const body = this.buffer.subarray(end + 4, end + 4 + length).toString();
      this.buffer = this.buffer.subarray(end + 4 + length);
      const done = this.waiting;
      this.waiting = undefined;
      done?.({ status: Number(head.slice(9, 12)), body });
    });
  }

  post(host: string, path: string, body: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Requests per second over `seconds` after a 1 s warm-up, from `concurrency` keep-alive connections, and
 * the serving process's CPU time per request over the same window (which the machine's other load barely
 * moves).
 */
async function drive(
  base: string,
  path: string,
  makeBody: () => string,
  concurrency: number,
  seconds: number,
  serverPid: number,
): Promise<Rate> {
  const url = new URL(base);
  const connections = Array.from({ length: concurrency }, () => new RawConnection(url));
  await Promise.all(connections.map((c) => c.ready));
  const measureFrom = Date.now() + 1000;
  const measureTo = measureFrom + seconds * 1000;
  let cpuFrom = NaN;
  let cpuTo = NaN;
  const timers = [
    setTimeout(() => (cpuFrom = cpuSeconds(serverPid)), measureFrom - Date.now()),
    setTimeout(() => (cpuTo = cpuSeconds(serverPid)), measureTo - Date.now()),
  ];
  let done = 0;
  let errors = 0;
  let firstError = '';
  const latencies: number[] = [];
  await Promise.all(
    connections.map(async (connection) => {
      while (Date.now() < measureTo) {
        const body = makeBody();
        const sent = performance.now();
        const { status, body: answer } = await connection.post(url.host, path, body);
        const latency = performance.now() - sent;
        const t = Date.now();
        if (status !== 200) {
          errors++;
          firstError ||= `${status} ${answer.slice(0, 200)}`;
        } else if (t >= measureFrom && t <= measureTo) {
          done++;
          latencies.push(latency);
        }
      }
    }),
  );
  const sorted = Float64Array.from(latencies).sort();
  for (const timer of timers) clearTimeout(timer);
  if (Number.isNaN(cpuTo)) cpuTo = cpuSeconds(serverPid);
  for (const connection of connections) connection.close();
  if (firstError) log(`${path}: ${errors} errors, first: ${firstError}`);
  return {
    perSecond: done / seconds,
    cpuPerRequest: (cpuTo - cpuFrom) / done,
    errors,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

// ── envelopes ──────────────────────────────────────────────────────────────────────────────────────
function envelopeJson(topic: string, timestampNs: bigint): string {
  return `{"contentTopic":"${topic}","timestampNs":"${timestampNs}","message":"${message().toString('base64')}"}`;
}

// ── phases ─────────────────────────────────────────────────────────────────────────────────────────
/**
 * Fills the node's SQLite store through the store itself, in big transactions. Topic sizes are skewed
 * (topic k gets ~1/sqrt(k) of the traffic): a few busy conversations, a long tail of quiet ones.
 */
async function preload(): Promise<{ seconds: number; topicCounts: number[] }> {
  const started = performance.now();
  const store = new SqliteStore(join(dataDir, 'envelopes.db'));
  const topicCounts = new Array<number>(PRELOAD_TOPICS).fill(0);
  const topics = Array.from({ length: PRELOAD_TOPICS }, (_, i) => topicName(i));
  const end = nowNs();
  const span = 30n * 86_400n * 1_000_000_000n;
  for (let done = 0; done < PRELOAD;) {
    const batch: StoredEnvelope[] = [];
    for (let i = 0; i < 20_000 && done < PRELOAD; i++, done++) {
      const k = Math.floor(PRELOAD_TOPICS * Math.random() ** 2);
      topicCounts[k]!++;
      const contentTopic = topics[k]!;
      const bytes = message();
      const timestampNs = end - BigInt(Math.floor(Math.random() * Number(span / 1000n))) * 1000n;
      batch.push({ contentTopic, timestampNs, message: bytes, digest: envelopeDigest(contentTopic, bytes) });
    }
    await store.insert(batch);
  }
  await store.close();
  return { seconds: (performance.now() - started) / 1000, topicCounts };
}

/**
 * Raw better-sqlite3 inserts into the same database the node uses (a second connection, as the node
 * would see it), 100 rows per transaction, for `seconds` of insert time (building rows is not timed).
 */
function rawInsertRate(seconds: number): { perSecond: number; cpuPerRow: number } {
  const db = new Database(join(dataDir, 'envelopes.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // The node's schema and statements, without its dedupe (the rows are all new) and without HTTP.
  const insert = db.prepare(INSERT_SQL);
  const findTopic = db.prepare(FIND_TOPIC_SQL).pluck();
  const addTopic = db.prepare(ADD_TOPIC_SQL);
  const topicIds = new Map<string, number>();
  const topicId = (name: string): number => {
    let id = topicIds.get(name);
    if (id === undefined) {
      id = (findTopic.get(name) as number | undefined) ?? Number(addTopic.run(name).lastInsertRowid);
      topicIds.set(name, id);
    }
    return id;
  };
  type Row = readonly [Uint8Array, string, bigint, Buffer, number];
  const insertBatch = db.transaction((batch: Row[]) => {
    for (const [digest, topic, timestampNs, bytes, now] of batch)
      insert.run(topicId(topic), timestampNs, digest, bytes, now);
  });
  // The topic index in passes, with the node's own pass (src/network/store/sqlite-write-session.ts).
  const maxId = db.prepare(MAX_ID_SQL).pluck();
  const indexPass = openIndexPass(db);
  indexPass.read();
  let rows = 0;
  let elapsed = 0;
  let cpu = 0;
  while (elapsed < seconds * 1000) {
    const batch = Array.from({ length: BATCH_SIZE }, (): Row => {
      const topic = topicName(1_000_000 + (messagesMade() % 1000));
      const bytes = message();
      return [envelopeDigest(topic, bytes), topic, nowNs(), bytes, Date.now()];
    });
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    insertBatch.immediate(batch);
    if ((maxId.get() as number) - indexPass.through >= INDEX_BATCH_ROWS) indexPass.run();
    const used = process.cpuUsage(cpuStarted);
    cpu += (used.user + used.system) / 1e6;
    elapsed += performance.now() - started;
    rows += batch.length;
  }
  db.close();
  return { perSecond: rows / (elapsed / 1000), cpuPerRow: cpu / rows };
}

/** The histogram bucket holding the node's own p99 query time (store + JSON), from GET /metrics. */
async function serverQueryP99(base: string): Promise<string> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const buckets = [...text.matchAll(/^xmtp_query_duration_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)].map(
    (m) => ({
      le: m[1]!,
      count: Number(m[2]),
    }),
  );
  const total = buckets.find((b) => b.le === '+Inf')?.count ?? 0;
  const bucket = buckets.find((b) => b.count >= 0.99 * total);
  if (!bucket || total === 0) return 'n/a';
  return bucket.le === '+Inf' ? '> 1 s' : `≤ ${Number(bucket.le) * 1000} ms`;
}

async function queryLatencies(
  base: string,
  topicCounts: number[],
): Promise<{ first: number[]; next: number[] }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(base);
  const busy = topicCounts.flatMap((count, k) => (count >= 2 * BATCH_SIZE ? [topicName(k)] : []));
  if (busy.length === 0) throw new Error('no topic with 200 envelopes: preload more');
  const first: number[] = [];
  const next: number[] = [];
  for (let i = 0; i < QUERIES / 2 + 50; i++) {
    const topic = busy[Math.floor(Math.random() * busy.length)]!;
    let t = performance.now();
    const page1 = await post(
      agent,
      url,
      '/message/v1/query',
      JSON.stringify({
        contentTopics: [topic],
        pagingInfo: { limit: 100, direction: 'SORT_DIRECTION_DESCENDING' },
      }),
    );
    const firstMs = performance.now() - t;
    const parsed = JSON.parse(page1.body) as { envelopes: unknown[]; pagingInfo: { cursor: unknown } };
    if (page1.status !== 200 || parsed.envelopes.length !== 100) {
      throw new Error(`query failed: ${page1.status} ${page1.body.slice(0, 200)}`);
    }
    t = performance.now();
    const page2 = await post(
      agent,
      url,
      '/message/v1/query',
      JSON.stringify({
        contentTopics: [topic],
        pagingInfo: { limit: 100, direction: 'SORT_DIRECTION_DESCENDING', cursor: parsed.pagingInfo.cursor },
      }),
    );
    const nextMs = performance.now() - t;
    if (page2.status !== 200) throw new Error(`query failed: ${page2.status} ${page2.body.slice(0, 200)}`);
    if (i >= 50) {
      first.push(firstMs);
      next.push(nextMs);
    }
  }
  agent.destroy();
  return { first, next };
}

/**
 * Publish → delivery latencies of the raw TCP fan-out (bench/_tcp-fanout.ts), unsorted, and per
 * publish the latency of its last delivery.
 */
function tcpFanOutFloor(publishes: number): Promise<{ values: number[]; lastDelivery: number[] }> {
  const argv = [
    String(SUBSCRIBERS),
    String(publishes),
    String(FANOUT_INTERVAL_MS),
    String(SUBSCRIBER_PROCESSES),
    String(FANOUT_WARMUP),
  ];
  const child = fork(join(here, '_tcp-fanout.ts'), argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', (report: { values: number[]; lastDelivery: number[] }) => resolve(report));
    child.once('exit', (code, signal) =>
      reject(new Error(`_tcp-fanout.ts exited (${code ?? signal}) without a report`)),
    );
  });
}

interface FanOutResult {
  p50: number;
  p99: number;
  max: number;
  delivered: number;
  expected: number;
  closed: number;
  /** Per publish, the latency of its last delivery (ms), in publish order. */
  lastDelivery: number[];
}

/** WebSocket subscribers in child processes (bench/_ws-subscribers.ts), all on one topic. */
async function openSubscribers(base: string, topic: string): Promise<ChildProcess[]> {
  const workers = Array.from({ length: SUBSCRIBER_PROCESSES }, () => {
    const script = receivers === 'c' ? '_c-sink.ts' : '_ws-subscribers.ts';
    const child = fork(join(here, script), receivers === 'c' ? ['ws'] : [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    return child;
  });
  const wsUrl = `${base.replace(/^http/, 'ws')}/message/v1/ws`;
  const started = performance.now();
  await Promise.all(
    workers.map(
      (child, i) =>
        new Promise<void>((resolve, reject) => {
          child.once('message', (m: { type: string; message?: string }) =>
            m.type === 'ready' ? resolve() : reject(new Error(m.message)),
          );
          const count =
            Math.floor(SUBSCRIBERS / SUBSCRIBER_PROCESSES) + (i < SUBSCRIBERS % SUBSCRIBER_PROCESSES ? 1 : 0);
          child.send({ type: 'start', url: wsUrl, count, topic });
        }),
    ),
  );
  log(
    `${SUBSCRIBERS} WebSocket subscriptions open in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return workers;
}

/** Publishes `count` envelopes to `topic`, each stamped with its send time, FANOUT_INTERVAL_MS apart. */
async function publishStamped(base: string, topic: string, count: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(base);
  for (let i = 0; i < count; i++) {
    const body = `{"envelopes":[${envelopeJson(topic, nowNs())}]}`;
    const { status } = await post(agent, url, '/message/v1/publish', body);
    if (status !== 200) throw new Error(`fan-out publish failed: ${status}`);
    await sleep(FANOUT_INTERVAL_MS);
  }
  agent.destroy();
}

/** The subscribers' deliveries of the publishes stamped at or after `from` (epoch ms). */
async function collect(workers: ChildProcess[], publishes: number, from: number): Promise<FanOutResult> {
  const reports = await Promise.all(
    workers.map(
      (child) =>
        new Promise<{ values: number[]; stamps: number[]; closedEarly: number }>((resolve) => {
          child.once('message', resolve);
          child.send({ type: 'report' });
        }),
    ),
  );
  for (const child of workers) child.send({ type: 'stop' });
  const { values, lastDelivery } = deliveriesFrom(reports, from);
  const all = Float64Array.from(values).sort();
  return {
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    max: all[all.length - 1] ?? NaN,
    delivered: all.length,
    expected: publishes * SUBSCRIBERS,
    closed: reports.reduce((n, r) => n + r.closedEarly, 0),
    lastDelivery,
  };
}

// ── run ────────────────────────────────────────────────────────────────────────────────────────────
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (ratio: number): string => `${fmt(ratio * 100)} %`;
const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');
const ms = (n: number): string => `${n.toFixed(n < 10 ? 2 : 0)} ms`;
const PHASES = ['single', 'batch', 'query', 'fanout'];
const only = flag('only')?.split(',') ?? PHASES;
const runs = (phase: string): boolean => only.includes(phase);
const table: string[][] = [];

const needsPreload = only.some((phase) => phase !== 'fanout');
if (needsPreload)
  log(`preloading ${fmt(PRELOAD)} envelopes over ${fmt(PRELOAD_TOPICS)} topics into ${dataDir}`);
const loaded = needsPreload ? await preload() : { seconds: 0, topicCounts: [] };
if (needsPreload) log(`preloaded in ${loaded.seconds.toFixed(1)} s`);

const singleBody = (): string =>
  `{"envelopes":[${envelopeJson(topicName(2_000_000 + (messagesMade() % 1000)), nowNs())}]}`;
// Ephemeral topics (mE-, §5) are relayed but never stored: the publish path without the store.
const ephemeralBody = (): string =>
  `{"envelopes":[${envelopeJson(topicName(2_000_000 + (messagesMade() % 1000)).replace('/xmtp/0/m-', '/xmtp/0/mE-'), nowNs())}]}`;
const batchBody = (): string => {
  const parts: string[] = [];
  for (let i = 0; i < BATCH_SIZE; i++)
    parts.push(envelopeJson(topicName(2_000_000 + (messagesMade() % 1000)), nowNs()));
  return `{"envelopes":[${parts.join(',')}]}`;
};

// The machine is shared and noisy: each rate is measured in ROUNDS segments that alternate between the
// reference and the node, and the medians are compared, so a burst of outside load hits both sides.
const median = (values: number[]): number =>
  [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const node = await start(
  '_node-server.ts',
  [dataDir],
  profile ? ['--cpu-prof', '--cpu-prof-dir=bench/results'] : [],
);
// The other checkout's node, on its own copy of the database as preloaded (closed, so checkpointed into
// one file) before anything else wrote to it.
const beforeDir = flag('before');
const beforeLabel = beforeDir
  ? `before (${execFileSync('git', ['-C', beforeDir, 'rev-parse', '--short', 'HEAD']).toString().trim()})`
  : '';
let before: { child: ChildProcess; url: string } | undefined;
if (beforeDir) {
  const beforeData = join(dataDir, 'before');
  mkdirSync(beforeData);
  if (needsPreload) copyFileSync(join(dataDir, 'envelopes.db'), join(beforeData, 'envelopes.db'));
  before = await start('_node-server.ts', [beforeData], [], beforeDir);
  log(`${beforeLabel}: node of ${beforeDir} on a copy of the preloaded database`);
}
const us = (seconds: number): string => `${fmt(seconds * 1e6)} µs`;
/** Request latency over the rounds: the median round's p50 and the worst round's p99. */
const latency = (rounds: Rate[]): string =>
  `latency p50 ${ms(median(rounds.map((r) => r.p50)))}, p99 ${ms(Math.max(...rounds.map((r) => r.p99)))}`;
if (runs('single')) {
  const hello = await start('_hello-server.ts');
  const bareRounds: Rate[] = [];
  const nodeRounds: Rate[] = [];
  const beforeRounds: Rate[] = [];
  const ephemeralRounds: Rate[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ephemeralRounds.push(
      await drive(
        node.url,
        '/message/v1/publish',
        ephemeralBody,
        SINGLE_CONCURRENCY,
        SECONDS,
        node.child.pid!,
      ),
    );
    bareRounds.push(
      await drive(
        hello.url,
        '/message/v1/publish',
        singleBody,
        SINGLE_CONCURRENCY,
        SECONDS,
        hello.child.pid!,
      ),
    );
    nodeRounds.push(
      await drive(node.url, '/message/v1/publish', singleBody, SINGLE_CONCURRENCY, SECONDS, node.child.pid!),
    );
    if (before)
      beforeRounds.push(
        await drive(
          before.url,
          '/message/v1/publish',
          singleBody,
          SINGLE_CONCURRENCY,
          SECONDS,
          before.child.pid!,
        ),
      );
  }
  await stop(hello.child);
  const bare = median(bareRounds.map((r) => r.perSecond));
  const bareCpu = median(bareRounds.map((r) => r.cpuPerRequest));
  const single = median(nodeRounds.map((r) => r.perSecond));
  const singleCpu = median(nodeRounds.map((r) => r.cpuPerRequest));
  log(
    `bare node:http: ${bareRounds.map((r) => fmt(r.perSecond)).join(', ')} req/s; node: ${nodeRounds.map((r) => fmt(r.perSecond)).join(', ')}/s`,
  );
  table.push([
    'bare `node:http` hello world, same load generator (reference)',
    `${fmt(bare)} req/s; ${us(bareCpu)} server CPU each; ${latency(bareRounds)}`,
    '',
    '',
    '',
  ]);
  table.push([
    `single-envelope publish, ${SINGLE_CONCURRENCY} concurrent`,
    `${fmt(single)} publishes/s; ${us(singleCpu)} node CPU each; ${latency(nodeRounds)}`,
    '≥ 50 % of bare HTTP',
    `${pct(single / bare)} (per CPU-second: ${pct(bareCpu / singleCpu)})`,
    verdict(single >= 0.5 * bare || bareCpu / singleCpu >= 0.5),
  ]);
  if (before) {
    const was = median(beforeRounds.map((r) => r.perSecond));
    const wasCpu = median(beforeRounds.map((r) => r.cpuPerRequest));
    log(`${beforeLabel}: ${beforeRounds.map((r) => fmt(r.perSecond)).join(', ')}/s`);
    table.push([
      `single-envelope publish, ${SINGLE_CONCURRENCY} concurrent, ${beforeLabel}`,
      `${fmt(was)} publishes/s; ${us(wasCpu)} node CPU each; ${latency(beforeRounds)}`,
      'now ≥ 90 % of before',
      `now ${pct(single / was)} of before (per CPU-second: ${pct(wasCpu / singleCpu)})`,
      verdict(single >= 0.9 * was || wasCpu / singleCpu >= 0.9),
    ]);
  }
  const ephemeral = median(ephemeralRounds.map((r) => r.perSecond));
  const ephemeralCpu = median(ephemeralRounds.map((r) => r.cpuPerRequest));
  table.push([
    'single-envelope publish to an ephemeral topic (not stored: the cost of everything but the store)',
    `${fmt(ephemeral)} publishes/s; ${us(ephemeralCpu)} node CPU each; ${latency(ephemeralRounds)}`,
    '',
    `${pct(ephemeral / bare)} (per CPU-second: ${pct(bareCpu / ephemeralCpu)})`,
    '',
  ]);
}
if (runs('batch')) {
  const rawRounds: { perSecond: number; cpuPerRow: number }[] = [];
  const nodeRounds: Rate[] = [];
  const beforeRounds: Rate[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    rawRounds.push(rawInsertRate(SECONDS));
    nodeRounds.push(
      await drive(node.url, '/message/v1/publish', batchBody, BATCH_CONCURRENCY, SECONDS, node.child.pid!),
    );
    if (before)
      beforeRounds.push(
        await drive(
          before.url,
          '/message/v1/publish',
          batchBody,
          BATCH_CONCURRENCY,
          SECONDS,
          before.child.pid!,
        ),
      );
  }
  const rawRate = median(rawRounds.map((r) => r.perSecond));
  const rawCpu = median(rawRounds.map((r) => r.cpuPerRow));
  const batch = median(nodeRounds.map((r) => r.perSecond)) * BATCH_SIZE;
  const batchCpu = median(nodeRounds.map((r) => r.cpuPerRequest)) / BATCH_SIZE;
  log(
    `raw better-sqlite3: ${rawRounds.map((r) => fmt(r.perSecond)).join(', ')} rows/s; node: ${nodeRounds.map((r) => fmt(r.perSecond * BATCH_SIZE)).join(', ')} envelopes/s`,
  );
  table.push([
    'raw better-sqlite3 insert into the same database, 100 rows/transaction, topic index in passes like the node (reference)',
    `${fmt(rawRate)} rows/s; ${us(rawCpu)} CPU each`,
    '',
    '',
    '',
  ]);
  table.push([
    `100-envelope batch publish, ${BATCH_CONCURRENCY} concurrent`,
    `${fmt(batch)} envelopes/s; ${us(batchCpu)} node CPU each; ${latency(nodeRounds)} per request`,
    '≥ 30 % of raw insert',
    `${pct(batch / rawRate)} (per CPU-second: ${pct(rawCpu / batchCpu)})`,
    verdict(batch >= 0.3 * rawRate || rawCpu / batchCpu >= 0.3),
  ]);
  if (before) {
    const was = median(beforeRounds.map((r) => r.perSecond)) * BATCH_SIZE;
    const wasCpu = median(beforeRounds.map((r) => r.cpuPerRequest)) / BATCH_SIZE;
    log(`${beforeLabel}: ${beforeRounds.map((r) => fmt(r.perSecond * BATCH_SIZE)).join(', ')} envelopes/s`);
    table.push([
      `100-envelope batch publish, ${BATCH_CONCURRENCY} concurrent, ${beforeLabel}`,
      `${fmt(was)} envelopes/s; ${us(wasCpu)} node CPU each; ${latency(beforeRounds)} per request`,
      'now ≥ 90 % of before',
      `now ${pct(batch / was)} of before (per CPU-second: ${pct(wasCpu / batchCpu)})`,
      verdict(batch >= 0.9 * was || wasCpu / batchCpu >= 0.9),
    ]);
  }
}
if (runs('query')) {
  const queries = await queryLatencies(node.url, loaded.topicCounts);
  const sort = (values: number[]): number[] => [...values].sort((a, b) => a - b);
  const all = sort([...queries.first, ...queries.next]);
  const p99 = percentile(all, 99);
  const serverP99 = await serverQueryP99(node.url);
  log(`queries: p50 ${ms(percentile(all, 50))}, p99 ${ms(p99)}; in the node: p99 ${serverP99}`);
  table.push([
    `query, 100-envelope pages of busy topics in a ${fmt(PRELOAD)}-envelope store, one client (p99 first page / next page; p99 inside the node from its histogram)`,
    `p50 ${ms(percentile(all, 50))}, p99 ${ms(p99)} (${ms(percentile(sort(queries.first), 99))} / ${ms(percentile(sort(queries.next), 99))}; node ${serverP99})`,
    'p99 < 10 ms',
    `${fmt((p99 / 10) * 100)} % of budget`,
    verdict(p99 < 10),
  ]);
  if (before) {
    const was = await queryLatencies(before.url, loaded.topicCounts);
    const wasAll = sort([...was.first, ...was.next]);
    table.push([
      `query as above, ${beforeLabel}`,
      `p50 ${ms(percentile(wasAll, 50))}, p99 ${ms(percentile(wasAll, 99))}`,
      '',
      `now's p99 ${pct(p99 / percentile(wasAll, 99))} of before`,
      '',
    ]);
  }
}
/**
 * The fan-out receivers: the C program (bench/fanout-sink.c, compiled here; the forked floor and
 * subscriber processes find it through FANOUT_SINK_BIN), or the Node ones with --receivers=node or
 * when no C compiler is found.
 */
function fanOutReceivers(): 'c' | 'node' {
  if (flag('receivers') === 'node') return 'node';
  if (flag('receivers') !== undefined && flag('receivers') !== 'c')
    throw new Error('--receivers must be c or node');
  const bin = join(dataDir, 'fanout-sink');
  try {
    execFileSync(process.env.CC ?? 'cc', ['-O2', '-o', bin, join(here, 'fanout-sink.c')], { stdio: 'pipe' });
  } catch (error) {
    log(
      `could not compile fanout-sink.c (${(error as Error).message.split('\n')[0]}): Node receivers instead`,
    );
    return 'node';
  }
  process.env.FANOUT_SINK_BIN = bin;
  return 'c';
}
let receivers: 'c' | 'node' = 'node';
if (runs('fanout')) {
  receivers = fanOutReceivers();
  log(`fan-out receivers: ${receivers === 'c' ? 'C (epoll, fanout-sink.c)' : 'Node'}`);
  // The floor and the node take turns (FANOUT_ROUNDS each) so that a burst of outside load on this
  // shared machine hits both; the node's subscribers stay connected across its turns.
  const topic = '/xmtp/0/m-bench-fanout/proto';
  const perRound = Math.ceil(FANOUT_PUBLISHES / FANOUT_ROUNDS);
  const floorValues: number[] = [];
  const floorLast: number[] = [];
  let workers: ChildProcess[] | undefined;
  let measuredFrom = 0;
  for (let round = 0; round < FANOUT_ROUNDS; round++) {
    const report = await tcpFanOutFloor(perRound);
    floorValues.push(...report.values);
    floorLast.push(...report.lastDelivery);
    if (!workers) {
      workers = await openSubscribers(node.url, topic);
      await sleep(1000);
      await publishStamped(node.url, topic, FANOUT_WARMUP);
      measuredFrom = Date.now();
    }
    await sleep(1000);
    await publishStamped(node.url, topic, perRound);
  }
  await sleep(2000);
  const floor = Float64Array.from(floorValues).sort();
  const fan = await collect(workers!, perRound * FANOUT_ROUNDS, measuredFrom);
  log(`raw TCP fan-out: p50 ${ms(percentile(floor, 50))}, p99 ${ms(percentile(floor, 99))}`);
  log(`fan-out: p50 ${ms(fan.p50)}, p99 ${ms(fan.p99)}, ${fan.delivered}/${fan.expected}`);
  log(`raw TCP fan-out, last delivery of each publish: ${floorLast.map((v) => v.toFixed(0)).join(' ')} ms`);
  log(`fan-out, last delivery of each publish: ${fan.lastDelivery.map((v) => v.toFixed(0)).join(' ')} ms`);
  // Outside load hits single publishes: the median publish's last delivery shows the quiet case.
  const medianLast = (values: number[]): string => ms(median(values));
  table.push([
    `raw TCP fan-out, one 400-byte write to each of ${fmt(SUBSCRIBERS)} loopback sockets (reference floor; ${receivers === 'c' ? 'C' : 'Node'} receivers; median publish's last delivery)`,
    `p50 ${ms(percentile(floor, 50))}, p99 ${ms(percentile(floor, 99))} (last: ${medianLast(floorLast)})`,
    '',
    '',
    '',
  ]);
  table.push([
    `subscribe fan-out, one publish to ${fmt(SUBSCRIBERS)} WebSocket subscribers, publish → delivery (${receivers === 'c' ? 'C' : 'Node'} receivers; median publish's last delivery)`,
    `p50 ${ms(fan.p50)}, p99 ${ms(fan.p99)} (max ${ms(fan.max)}; last: ${medianLast(fan.lastDelivery)}; ${fmt(fan.delivered)}/${fmt(fan.expected)} delivered${fan.closed ? `, ${fan.closed} closed as too slow` : ''})`,
    'p99 < 100 ms',
    `${fmt(fan.p99)} % of budget; ${fmt(fan.p99 / percentile(floor, 99), 1)}× the TCP floor`,
    verdict(fan.p99 < 100 && fan.delivered === fan.expected),
  ]);
}
const rss = peakRssMiB(node.child.pid!);
await stop(node.child);
if (before) await stop(before.child);
table.push([
  'node peak RSS (VmHWM) over the whole run',
  `${fmt(rss)} MiB`,
  '< 500 MB',
  `${fmt((rss * 1.048576 * 100) / 500)} % of budget`,
  verdict(rss * 1.048576 < 500),
]);

const load = (await import('node:os')).loadavg()[0]!;
console.log(
  `Command: \`npm run bench -- node${args.length ? ' ' + args.join(' ') : ''}\` · ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · Node ${process.version} · ${
    (await import('node:os')).cpus().length
  } cores · load average ${load.toFixed(1)} at the end`,
);
if (needsPreload)
  console.log(
    `Preload: ${fmt(PRELOAD)} envelopes (100–700 bytes) over ${fmt(PRELOAD_TOPICS)} topics, through SqliteStore.insert in 20,000-envelope transactions: ${loaded.seconds.toFixed(0)} s.`,
  );
console.log(
  'Node: a child process, SQLite store, auth and rate limits off. Load: this process, keep-alive HTTP/1.1 connections ' +
    `driven by hand (one request in flight each; queries and fan-out publishes use a keep-alive http.Agent). Rates: median of ${ROUNDS} rounds alternating with the reference. The machine is shared, so the ` +
    'ratios are also given per CPU-second of the serving process (from /proc/PID/stat), which outside load barely moves; ' +
    'a throughput target counts as met when either ratio meets it.\n',
);
console.log('| measurement | result | target | ratio | |');
console.log('|---|---|---|---|---|');
for (const row of table) console.log(`| ${row.join(' | ')} |`);
