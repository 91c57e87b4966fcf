// The SQLite store's topic index is filled in passes (migrations/sqlite/003, sqlite-write-session.ts):
// rows above `indexed_through` are found by queries through sqlite-tail.ts. These tests look at the
// database itself to check where rows are, and that queries are right on both sides of the mark.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqliteStore } from '@/network/store/sqlite';
import { envelope } from './store.suite';

const T0 = 1_718_000_000_000_000_000n;
const topic = '/xmtp/0/m-index/proto';
let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xmtp-sqlite-index-'));
  path = join(dir, 'envelopes.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** How far the index reaches and how many entries it has, read on a connection of its own. */
function indexState(): { through: number; entries: number; rows: number } {
  const db = new Database(path, { readonly: true });
  try {
    return {
      through: db.prepare('SELECT indexed_through FROM topic_index_state').pluck().get() as number,
      entries: db.prepare('SELECT count(*) FROM topic_index').pluck().get() as number,
      rows: db.prepare('SELECT count(*) FROM envelopes').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

const text = (rows: { message: Uint8Array }[]): string[] =>
  rows.map((r) => Buffer.from(r.message).toString());

describe('SQLite topic index in passes', () => {
  {
    it('indexes rows once enough are above the mark, and pages across it', async () => {
      const store = new SqliteStore(path, { indexBatchRows: 4 });
      try {
        // Ten publishes of one envelope, out of time order: m0 is the newest.
        for (let i = 0; i < 10; i++) {
          expect(await store.insert([envelope(topic, T0 - BigInt(i), `m${i}`)])).toEqual([true]);
        }
        // A pass after the 4th and the 8th row (done before the 9th was written); the last two are not
        // indexed yet.
        expect(indexState()).toEqual({ through: 8, entries: 8, rows: 10 });
        const pages: string[][] = [];
        let cursor: { digest: Uint8Array; senderTimeNs: bigint } | undefined;
        for (;;) {
          const page = await store.query({
            contentTopics: [topic],
            limit: 3,
            direction: 'ascending',
            cursor,
          });
          if (page.length === 0) break;
          pages.push(text(page));
          const last = page[page.length - 1]!;
          cursor = { digest: last.digest, senderTimeNs: last.timestampNs };
        }
        expect(pages).toEqual([['m9', 'm8', 'm7'], ['m6', 'm5', 'm4'], ['m3', 'm2', 'm1'], ['m0']]);
        const bounded = await store.query({
          contentTopics: [topic],
          startTimeNs: T0 - 9n,
          endTimeNs: T0 - 7n,
          limit: 10,
          direction: 'descending',
        });
        expect(text(bounded)).toEqual(['m7', 'm8', 'm9']);
        // A duplicate of an indexed row and of an unindexed one: both refused.
        expect(await store.insert([envelope(topic, T0, 'm0'), envelope(topic, T0 - 8n, 'm8')])).toEqual([
          false,
          false,
        ]);
      } finally {
        await store.close();
      }
    });
  }

  it('a second store on the database sees rows another one appended and indexed since its last query', async () => {
    const writer = new SqliteStore(path, { indexBatchRows: 5 });
    const reader = new SqliteStore(path, { indexBatchRows: 5 });
    try {
      await writer.insert([envelope(topic, T0 + 1n, 'a1'), envelope(topic, T0 + 2n, 'a2')]);
      // The reader now holds a1 and a2 as unindexed rows.
      expect(text(await reader.query({ contentTopics: [topic], limit: 10, direction: 'ascending' }))).toEqual(
        ['a1', 'a2'],
      );
      // The writer's next batch takes the unindexed rows to 6: a pass indexes all of them.
      await writer.insert([3, 4, 5, 6].map((i) => envelope(topic, T0 + BigInt(i), `a${i}`)));
      // The pass runs after the batch is answered.
      await vi.waitFor(() => expect(indexState()).toMatchObject({ through: 6, entries: 6 }));
      await writer.insert([envelope(topic, T0 + 7n, 'a7')]);
      // Each row once: what moved into the index is no longer read as unindexed, and a7 is new.
      expect(text(await reader.query({ contentTopics: [topic], limit: 10, direction: 'ascending' }))).toEqual(
        ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'],
      );
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it('a reopened store indexes what an earlier one left unindexed, and reads it meanwhile', async () => {
    const first = new SqliteStore(path, { indexBatchRows: 100 });
    await first.insert(Array.from({ length: 30 }, (_, i) => envelope(topic, T0 + BigInt(i), `r${i}`)));
    await first.close();
    expect(indexState()).toEqual({ through: 0, entries: 0, rows: 30 });
    const second = new SqliteStore(path, { indexBatchRows: 10 });
    try {
      const page = await second.query({ contentTopics: [topic], limit: 5, direction: 'descending' });
      expect(text(page)).toEqual(['r29', 'r28', 'r27', 'r26', 'r25']);
      expect(await second.insert([envelope(topic, T0 + 30n, 'r30')])).toEqual([true]);
      await vi.waitFor(() => expect(indexState()).toEqual({ through: 31, entries: 31, rows: 31 }));
      expect(text(await second.query({ contentTopics: [topic], limit: 3, direction: 'descending' }))).toEqual(
        ['r30', 'r29', 'r28'],
      );
    } finally {
      await second.close();
    }
  });
});
