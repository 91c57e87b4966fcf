// The SQLite store deduplicates in memory (src/network/store/digest-index.ts) against what it has seen of
// the database: rows written by another connection, digests that share their first bytes, and databases
// made by the first schema (migration 002) must all still come out once.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DigestIndex } from '@/network/store/digest-index';
import { SqliteStore } from '@/network/store/sqlite';
import { envelope } from './store.suite';

const T0 = 1_718_000_000_000_000_000n;
const topic = '/xmtp/0/m-dedupe/proto';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xmtp-sqlite-dedupe-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A 32-byte digest whose first four bytes are `key` and the rest `tail` repeated. */
function digest(key: number, tail: number): Uint8Array {
  const bytes = new Uint8Array(32).fill(tail);
  new DataView(bytes.buffer).setUint32(0, key);
  return bytes;
}

describe('digest index', () => {
  it('tells apart digests that share their first four bytes by reading the row', () => {
    const rows = new Map<number, Uint8Array>();
    const index = new DigestIndex();
    for (let rowid = 1; rowid <= 50; rowid++) {
      rows.set(rowid, digest(0xabcd0001, rowid));
      index.add(rows.get(rowid)!, rowid);
    }
    let reads = 0;
    const digestOf = (rowid: number) => (reads++, rows.get(rowid));
    expect(index.find(digest(0xabcd0001, 37), digestOf)).toBe(37);
    expect(reads).toBe(37);
    expect(index.find(digest(0xabcd0001, 99), digestOf)).toBeUndefined();
  });

  it('keeps every entry as it grows, and reads no row for a digest it never saw', () => {
    const rows = new Map<number, Uint8Array>();
    const index = new DigestIndex(16);
    for (let rowid = 1; rowid <= 20_000; rowid++) {
      rows.set(rowid, digest(Math.imul(rowid, 2654435761) >>> 0, rowid & 0xff));
      index.add(rows.get(rowid)!, rowid);
    }
    expect(index.size).toBe(20_000);
    for (let rowid = 1; rowid <= 20_000; rowid += 97)
      expect(index.find(rows.get(rowid)!, (r) => rows.get(r))).toBe(rowid);
    const never = () => {
      throw new Error('read a row for an unknown key');
    };
    expect(index.find(digest(0xffffffff, 1), (r) => (r > 0 ? never() : undefined))).toBeUndefined();
  });

  it('refuses a rowid it cannot hold', () => {
    expect(() => new DigestIndex().add(digest(1, 1), 2 ** 32)).toThrow(/rowid/);
  });
});

describe('SQLite store dedupe', () => {
  it('sees a row written by another connection meanwhile as a duplicate', async () => {
    const path = join(dir, 'envelopes.db');
    const store = new SqliteStore(path);
    try {
      const first = envelope(topic, T0, 'first');
      expect(await store.insert([first])).toEqual([true]);
      // Another process writing the same database directly.
      const other = new Database(path);
      const topicId = other.prepare('SELECT id FROM topics WHERE name = ?').pluck().get(topic);
      const sneaked = envelope(topic, T0 + 1n, 'sneaked in');
      other
        .prepare(
          'INSERT INTO envelopes (topic_id, timestamp_ns, digest, message, received_at_ms) VALUES (?, ?, ?, ?, 0)',
        )
        .run(topicId, sneaked.timestampNs, sneaked.digest, sneaked.message);
      other.close();
      expect(await store.insert([sneaked, envelope(topic, T0 + 2n, 'new')])).toEqual([false, true]);
      const rows = await store.query({ contentTopics: [topic], limit: 10, direction: 'ascending' });
      expect(rows.map((r) => Buffer.from(r.message).toString())).toEqual(['first', 'sneaked in', 'new']);
    } finally {
      await store.close();
    }
  });

  it('rebuilds its index on open: a reopened store still refuses what it stored', async () => {
    const path = join(dir, 'envelopes.db');
    const batch = Array.from({ length: 500 }, (_, i) => envelope(topic, T0 + BigInt(i), `m${i}`));
    const progress: string[] = [];
    const store = new SqliteStore(path, { progress: (message) => progress.push(message) });
    // A new database is made at the current schema without talking about it.
    expect(progress).toEqual([]);
    expect((await store.insert(batch)).every(Boolean)).toBe(true);
    await store.close();
    const reopened = new SqliteStore(path);
    try {
      expect((await reopened.insert(batch)).some(Boolean)).toBe(false);
    } finally {
      await reopened.close();
    }
  });

  it('migrates a database of the first schema, keeping rows, their order positions and dedupe', async () => {
    const path = join(dir, 'envelopes.db');
    const old = new Database(path);
    old.pragma('journal_mode = WAL');
    old.exec(`CREATE TABLE schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)`);
    old.exec(
      readFileSync(
        new URL('../../src/network/store/migrations/sqlite/001_envelopes.sql', import.meta.url),
        'utf8',
      ),
    );
    old.prepare('INSERT INTO schema_migrations VALUES (1, ?, 0)').run('envelopes');
    const insert = old.prepare(
      'INSERT INTO envelopes (digest, content_topic, timestamp_ns, message, received_at_ms) VALUES (?, ?, ?, ?, 0)',
    );
    const topics = ['/xmtp/0/m-a/proto', '/xmtp/0/m-b/proto', '/xmtp/0/m-c/proto'];
    const envelopes = Array.from({ length: 30 }, (_, i) =>
      envelope(topics[i % 3]!, T0 + BigInt(i), `old ${i}`),
    );
    for (const e of envelopes) insert.run(e.digest, e.contentTopic, e.timestampNs, e.message);
    old.close();

    const progress: string[] = [];
    const store = new SqliteStore(path, { progress: (message) => progress.push(message) });
    try {
      expect(progress).toEqual([
        'applying store migration 002_topic_ids…',
        expect.stringMatching(/^store migration 002_topic_ids done in \d+\.\d s$/),
        'applying store migration 003_deferred_topic_index…',
        expect.stringMatching(/^store migration 003_deferred_topic_index done in \d+\.\d s$/),
      ]);
      const page = await store.scan!(undefined, 100);
      expect(page.envelopes.map((e) => Buffer.from(e.message).toString())).toEqual(
        envelopes.map((_, i) => `old ${i}`),
      );
      expect(page.envelopes.map((e) => e.contentTopic)).toEqual(envelopes.map((e) => e.contentTopic));
      expect(page.position).toBe('30');
      const b = await store.query({ contentTopics: [topics[1]!], limit: 100, direction: 'descending' });
      expect(b.map((e) => e.timestampNs)).toEqual(
        envelopes
          .filter((_, i) => i % 3 === 1)
          .map((e) => e.timestampNs)
          .reverse(),
      );
      expect(await store.insert([envelopes[4]!, envelope(topics[0]!, T0, 'after')])).toEqual([false, true]);
      expect((await store.scan!('30', 10)).envelopes.map((e) => Buffer.from(e.message).toString())).toEqual([
        'after',
      ]);
    } finally {
      await store.close();
    }
  });
});
