// The SQLite store's writer thread (src/network/store/sqlite-writer.ts, sqlite-writer-thread.ts): inserts
// run off the event loop, a dead thread is replaced, and closing the store keeps every insert already made.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqliteStore } from '@/network/store/sqlite';
import { envelope } from './store.suite';

const T0 = 1_718_000_000_000_000_000n;
const topic = '/xmtp/0/m-writer/proto';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xmtp-sqlite-writer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const batch = (count: number, tag: string) =>
  Array.from({ length: count }, (_, i) => envelope(topic, T0 + BigInt(i), `${tag} ${i}`));

/** Event-loop turns (setImmediate callbacks) that ran while `work` was pending. */
async function turnsDuring(work: Promise<unknown>): Promise<number> {
  let turns = 0;
  let done = false;
  const spin = () => {
    if (done) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  await work;
  done = true;
  return turns;
}

describe('SQLite writer thread', () => {
  it('stores a 20,000-envelope batch while the event loop keeps turning', async () => {
    const store = new SqliteStore(join(dir, 'envelopes.db'));
    try {
      const turns = await turnsDuring(store.insert(batch(20_000, 'big')));
      expect(turns).toBeGreaterThan(0);
      expect(await store.query({ contentTopics: [topic], limit: 100, direction: 'ascending' })).toHaveLength(
        100,
      );
    } finally {
      await store.close();
    }
  });

  it('refuses an in-memory database, which the writer thread could not open', () => {
    expect(() => new SqliteStore(':memory:')).toThrow(/needs a file path/);
  });

  it.runIf(process.platform === 'linux')(
    'runs its writer and checkpointer threads at a lower priority than the event loop',
    async () => {
      // nice is field 19 of /proc/<pid>/task/<tid>/stat (after the parenthesised command name).
      const niceOfThreads = () =>
        readdirSync('/proc/self/task').map((tid) =>
          Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]),
        );
      const before = niceOfThreads().filter((nice) => nice === 10).length;
      const store = new SqliteStore(join(dir, 'envelopes.db'));
      try {
        await store.ready;
        expect(await store.insert(batch(10, 'nice'))).toEqual(new Array(10).fill(true));
        await vi.waitFor(
          () => expect(niceOfThreads().filter((nice) => nice === 10).length).toBe(before + 2),
          { timeout: 10_000 },
        );
        expect(niceOfThreads()[0]).toBe(0);
      } finally {
        await store.close();
      }
    },
  );

  it('starts a new thread once the old one is gone, still refusing what the old one stored', async () => {
    const store = new SqliteStore(join(dir, 'envelopes.db'));
    try {
      expect((await store.insert(batch(50, 'thread'))).every(Boolean)).toBe(true);
      // The thread dies (here: terminated from outside, as an uncaught error would end it).
      const writer = (store as unknown as { writer: { worker: { terminate(): Promise<number> } } }).writer;
      await writer.worker.terminate();
      expect(await store.insert([...batch(50, 'thread').slice(40), ...batch(5, 'after')])).toEqual([
        ...new Array(10).fill(false),
        ...new Array(5).fill(true),
      ]);
      const rows = await store.query({ contentTopics: [topic], limit: 100, direction: 'ascending' });
      expect(rows).toHaveLength(55);
    } finally {
      await store.close();
    }
  });

  it('keeps inserts still in flight when the store is closed', async () => {
    const path = join(dir, 'envelopes.db');
    const store = new SqliteStore(path);
    const inserts = [store.insert(batch(500, 'a')), store.insert(batch(500, 'b'))];
    await store.close();
    expect((await Promise.all(inserts)).flat().every(Boolean)).toBe(true);
    const reopened = new SqliteStore(path);
    try {
      const rows = await reopened.query({ contentTopics: [topic], limit: 100, direction: 'ascending' });
      expect(rows).toHaveLength(100);
      expect(await reopened.insert(batch(500, 'b'))).toEqual(new Array(500).fill(false));
    } finally {
      await reopened.close();
    }
  });
});
