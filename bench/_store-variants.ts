// Experiment behind the note in docs/benchmarks-history.md "Node" on single publishes: CPU µs per inserted row for SQLite
// schema and pragma variants over a 1,000,000-row store, at 1, 8, 32 and 100 rows per transaction (the node's
// group commit makes concurrent single publishes share a transaction). Each variant's database is built once
// (~20–100 s and up to ~1 GB each in --dir; delete it afterwards).
// npx tsx bench/_store-variants.ts [variant,…] [--rows=1000000] [--dir=/tmp/store-exp] [--groups=1,8,32,100]
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { envelopeDigest } from '@/network/store/digest';
import { message, nowNs, topicName } from './_envelopes';
import { args, flag } from './_args';

const ROWS = Number(flag('rows') ?? 1_000_000);
const DIR = flag('dir') ?? '/tmp/store-exp';
const GROUPS = (flag('groups') ?? '1,8,32,100').split(',').map(Number);
const PASSES = Number(flag('passes') ?? 2);
const TOPICS = Math.round(ROWS / 50);
mkdirSync(DIR, { recursive: true });

interface Env {
  topic: string;
  ts: bigint;
  msg: Buffer;
  digest: Uint8Array;
}
type Inserter = (rows: Env[]) => number;

interface Schema {
  sql: string;
  /** Prepares a transaction function inserting a batch with dedupe; returns rows inserted. */
  prepare(db: Database.Database): Inserter;
}

function topicIds(db: Database.Database): (name: string) => number {
  const cache = new Map<string, number>();
  const find = db.prepare('SELECT id FROM topics WHERE name = ?').pluck();
  const add = db.prepare('INSERT INTO topics (name) VALUES (?)');
  return (name) => {
    let id = cache.get(name);
    if (id === undefined) {
      id = (find.get(name) as number | undefined) ?? Number(add.run(name).lastInsertRowid);
      cache.set(name, id);
    }
    return id;
  };
}

// The first schema's table without its UNIQUE digest, and a plain insert into it (no dedupe).
const TEXT_TABLE = `CREATE TABLE envelopes (id INTEGER PRIMARY KEY, digest BLOB NOT NULL, content_topic TEXT NOT NULL,
  timestamp_ns INTEGER NOT NULL, message BLOB NOT NULL, received_at_ms INTEGER NOT NULL);`;
function insertTextRows(db: Database.Database): Inserter {
  const ins = db.prepare(`INSERT INTO envelopes (digest, content_topic, timestamp_ns, message, received_at_ms)
    VALUES (?, ?, ?, ?, ?)`);
  return db.transaction((rows: Env[]) => {
    const now = Date.now();
    for (const r of rows) ins.run(r.digest, r.topic, r.ts, r.msg, now);
    return rows.length;
  });
}

const schemas: Record<string, Schema> = {
  // 001 as today.
  base: {
    sql: `CREATE TABLE envelopes (id INTEGER PRIMARY KEY, digest BLOB NOT NULL UNIQUE, content_topic TEXT NOT NULL,
      timestamp_ns INTEGER NOT NULL, message BLOB NOT NULL, received_at_ms INTEGER NOT NULL);
      CREATE INDEX envelopes_topic_time ON envelopes (content_topic, timestamp_ns, digest);`,
    prepare(db) {
      const ins =
        db.prepare(`INSERT INTO envelopes (digest, content_topic, timestamp_ns, message, received_at_ms)
        VALUES (?, ?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING`);
      return db.transaction((rows: Env[]) => {
        const now = Date.now();
        let n = 0;
        for (const r of rows) n += ins.run(r.digest, r.topic, r.ts, r.msg, now).changes;
        return n;
      });
    },
  },
  // Topic ids; dedupe by UNIQUE (topic_id, digest).
  tid: {
    sql: `CREATE TABLE topics (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
      CREATE TABLE envelopes (id INTEGER PRIMARY KEY, topic_id INTEGER NOT NULL, timestamp_ns INTEGER NOT NULL,
        digest BLOB NOT NULL, message BLOB NOT NULL, received_at_ms INTEGER NOT NULL);
      CREATE INDEX envelopes_topic_time ON envelopes (topic_id, timestamp_ns, digest);
      CREATE UNIQUE INDEX envelopes_topic_digest ON envelopes (topic_id, digest);`,
    prepare(db) {
      const topic = topicIds(db);
      const ins = db.prepare(`INSERT INTO envelopes (topic_id, timestamp_ns, digest, message, received_at_ms)
        VALUES (?, ?, ?, ?, ?) ON CONFLICT (topic_id, digest) DO NOTHING`);
      return db.transaction((rows: Env[]) => {
        const now = Date.now();
        let n = 0;
        for (const r of rows) n += ins.run(topic(r.topic), r.ts, r.digest, r.msg, now).changes;
        return n;
      });
    },
  },
  // Topic ids; dedupe by a non-unique 8-byte digest key plus a full-digest check.
  key8: {
    sql: `CREATE TABLE topics (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
      CREATE TABLE envelopes (id INTEGER PRIMARY KEY, topic_id INTEGER NOT NULL, timestamp_ns INTEGER NOT NULL,
        digest BLOB NOT NULL, digest_key INTEGER NOT NULL, message BLOB NOT NULL, received_at_ms INTEGER NOT NULL);
      CREATE INDEX envelopes_topic_time ON envelopes (topic_id, timestamp_ns, digest);
      CREATE INDEX envelopes_digest_key ON envelopes (digest_key);`,
    prepare(db) {
      const topic = topicIds(db);
      const look = db.prepare('SELECT digest FROM envelopes WHERE digest_key = ?').pluck();
      const ins =
        db.prepare(`INSERT INTO envelopes (topic_id, timestamp_ns, digest, digest_key, message, received_at_ms)
        VALUES (?, ?, ?, ?, ?, ?)`);
      return db.transaction((rows: Env[]) => {
        const now = Date.now();
        let n = 0;
        for (const r of rows) {
          const digest = Buffer.from(r.digest);
          const key = digest.readBigInt64BE(0);
          if ((look.all(key) as Buffer[]).some((d) => d.equals(digest))) continue;
          n += ins.run(topic(r.topic), r.ts, r.digest, key, r.msg, now).changes;
        }
        return n;
      });
    },
  },
  // Lower bounds (not valid designs): no dedupe index; and a bare rowid table.
  nodedupe: {
    sql: `CREATE TABLE topics (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
      CREATE TABLE envelopes (id INTEGER PRIMARY KEY, topic_id INTEGER NOT NULL, timestamp_ns INTEGER NOT NULL,
        digest BLOB NOT NULL, message BLOB NOT NULL, received_at_ms INTEGER NOT NULL);
      CREATE INDEX envelopes_topic_time ON envelopes (topic_id, timestamp_ns, digest);`,
    prepare(db) {
      const topic = topicIds(db);
      const ins = db.prepare(`INSERT INTO envelopes (topic_id, timestamp_ns, digest, message, received_at_ms)
        VALUES (?, ?, ?, ?, ?)`);
      return db.transaction((rows: Env[]) => {
        const now = Date.now();
        for (const r of rows) ins.run(topic(r.topic), r.ts, r.digest, r.msg, now);
        return rows.length;
      });
    },
  },
  // No dedupe index, topic names in the index (as 001 without UNIQUE (digest)).
  nodedupetext: {
    sql: `${TEXT_TABLE}
      CREATE INDEX envelopes_topic_time ON envelopes (content_topic, timestamp_ns, digest);`,
    prepare: insertTextRows,
  },
  table: { sql: TEXT_TABLE, prepare: insertTextRows },
};

/** A variant: schema + page size at build time + connection pragmas at measure time. */
interface Variant {
  schema: string;
  pageSize: number;
  pragmas: string[];
  /** Checkpoint PASSIVE every this many ms (the node's checkpointer), counted in the CPU. 0 = automatic only. */
  checkpointMs: number;
}
const NODE = ['cache_size = -65536', 'wal_autocheckpoint = 16384'];
const variants: Record<string, Variant> = {
  'base-raw': { schema: 'base', pageSize: 4096, pragmas: [], checkpointMs: 0 },
  base: { schema: 'base', pageSize: 4096, pragmas: NODE, checkpointMs: 200 },
  'base-mmap': {
    schema: 'base',
    pageSize: 4096,
    pragmas: [...NODE, 'mmap_size = 1073741824'],
    checkpointMs: 200,
  },
  'base-off': { schema: 'base', pageSize: 4096, pragmas: [...NODE, 'synchronous = OFF'], checkpointMs: 200 },
  'base-ckpt2s': { schema: 'base', pageSize: 4096, pragmas: NODE, checkpointMs: 2000 },
  'base-1k': { schema: 'base', pageSize: 1024, pragmas: NODE, checkpointMs: 200 },
  tid: { schema: 'tid', pageSize: 4096, pragmas: NODE, checkpointMs: 200 },
  'tid-1k': { schema: 'tid', pageSize: 1024, pragmas: NODE, checkpointMs: 200 },
  'tid-2k': { schema: 'tid', pageSize: 2048, pragmas: NODE, checkpointMs: 200 },
  key8: { schema: 'key8', pageSize: 4096, pragmas: NODE, checkpointMs: 200 },
  'key8-1k': { schema: 'key8', pageSize: 1024, pragmas: NODE, checkpointMs: 200 },
  nodedupe: { schema: 'nodedupe', pageSize: 4096, pragmas: NODE, checkpointMs: 200 },
  nodedupetext: { schema: 'nodedupetext', pageSize: 4096, pragmas: NODE, checkpointMs: 200 },
  table: { schema: 'table', pageSize: 4096, pragmas: NODE, checkpointMs: 200 },
};

function open(path: string, pageSize?: number): Database.Database {
  const db = new Database(path);
  if (pageSize) db.pragma(`page_size = ${pageSize}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

/** Builds (once) the 1M-row database of a schema and page size, like the bench's preload. */
function build(schema: string, pageSize: number): string {
  const path = join(DIR, `${schema}-${pageSize}-${ROWS}.db`);
  if (existsSync(path)) return path;
  const started = performance.now();
  const tmp = `${path}.building`;
  rmSync(tmp, { force: true });
  const db = open(tmp, pageSize);
  db.exec(schemas[schema]!.sql);
  db.pragma('cache_size = -262144');
  const insert = schemas[schema]!.prepare(db);
  const topics = Array.from({ length: TOPICS }, (_, i) => topicName(i));
  const end = nowNs();
  const span = 30n * 86_400n * 1_000_000_000n;
  for (let done = 0; done < ROWS;) {
    const batch: Env[] = [];
    for (let i = 0; i < 20_000 && done < ROWS; i++, done++) {
      const topic = topics[Math.floor(TOPICS * Math.random() ** 2)]!;
      const msg = message();
      const ts = end - BigInt(Math.floor(Math.random() * Number(span / 1000n))) * 1000n;
      batch.push({ topic, ts, msg, digest: envelopeDigest(topic, msg) });
    }
    insert(batch);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  copyFileSync(tmp, path);
  rmSync(tmp);
  console.error(`built ${path} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return path;
}

let publishSerial = 0;
function rowsFor(n: number): Env[] {
  return Array.from({ length: n }, () => {
    const topic = topicName(2_000_000 + (publishSerial++ % 1000));
    const msg = message();
    return { topic, ts: nowNs(), msg, digest: envelopeDigest(topic, msg) };
  });
}

function measure(name: string): string[] {
  const v = variants[name]!;
  const base = build(v.schema, v.pageSize);
  const path = join(DIR, `run-${name}.db`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  copyFileSync(base, path);
  const db = open(path);
  for (const p of v.pragmas) db.pragma(p);
  const insert = schemas[v.schema]!.prepare(db);
  let lastCheckpoint = performance.now();
  const run = (rows: Env[], group: number): number => {
    const cpu = process.cpuUsage();
    for (let i = 0; i < rows.length; i += group) {
      insert(rows.slice(i, i + group));
      if (v.checkpointMs > 0 && performance.now() - lastCheckpoint >= v.checkpointMs) {
        db.pragma('wal_checkpoint(PASSIVE)');
        lastCheckpoint = performance.now();
      }
    }
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / rows.length;
  };
  // Warm the cache (the node has been running) and create the 1,000 publish topics.
  run(rowsFor(20_000), 32);
  const cells: string[] = [];
  for (const group of GROUPS) {
    const results: number[] = [];
    for (let pass = 0; pass < PASSES; pass++) results.push(run(rowsFor(group === 1 ? 8_000 : 16_000), group));
    cells.push(results.map((r) => r.toFixed(1)).join(' / '));
  }
  const sizes = db
    .prepare('SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()')
    .get() as {
    bytes: number;
  };
  db.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  cells.push(`${(sizes.bytes / 2 ** 20).toFixed(0)} MiB`);
  return cells;
}

const wanted = args.filter((a) => !a.startsWith('--')).flatMap((a) => a.split(','));
console.log(`| variant | ${GROUPS.map((g) => `${g}/txn µs/row`).join(' | ')} | db size |`);
console.log(`|---|${GROUPS.map(() => '---|').join('')}---|`);
for (const name of wanted.length ? wanted : Object.keys(variants)) {
  console.log(`| ${name} | ${measure(name).join(' | ')} |`);
}
