// Group commit over a real SQLite store: concurrent inserts share one underlying insert, and every
// caller still gets exactly what a lone insert would have given it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withGroupCommit } from '@/network/store/group-commit';
import { SqliteStore } from '@/network/store/sqlite';
import type { EnvelopeStore, StoredEnvelope } from '@/network/store/store';
import { envelope } from './store.suite';

const T0 = 1_718_000_000_000_000_000n;
const topic = '/xmtp/0/m-group-commit/proto';

let dir: string;
let sqlite: SqliteStore;
let batches: StoredEnvelope[][];
let store: EnvelopeStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'xmtp-group-commit-'));
  sqlite = new SqliteStore(join(dir, 'envelopes.db'));
  batches = [];
  // Records what reaches the real store, then lets it do the work.
  const counted = new Proxy(sqlite, {
    get(target, property) {
      if (property === 'insert') {
        return (envelopes: StoredEnvelope[]) => {
          batches.push(envelopes);
          return target.insert(envelopes);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  store = withGroupCommit(counted);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('group commit', () => {
  it('writes inserts made in the same turn as one batch and answers each caller with its own flags', async () => {
    const envelopes = Array.from({ length: 6 }, (_, i) => envelope(topic, T0 + BigInt(i), `g${i}`));
    await store.insert([envelopes[0]!]);
    batches = [];
    const results = await Promise.all([
      store.insert([envelopes[0]!, envelopes[1]!]),
      store.insert([envelopes[2]!]),
      store.insert([envelopes[3]!, envelopes[4]!, envelopes[5]!]),
    ]);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(6);
    expect(results).toEqual([[false, true], [true], [true, true, true]]);
  });

  it('counts an envelope two concurrent callers both insert as new for the first caller only', async () => {
    const shared = envelope(topic, T0, 'shared');
    const results = await Promise.all([store.insert([shared]), store.insert([shared])]);
    expect(results).toEqual([[true], [false]]);
    expect(await store.query({ contentTopics: [topic], limit: 10, direction: 'ascending' })).toHaveLength(1);
  });

  it('fails only the caller whose batch is invalid and stores the others', async () => {
    const good = [envelope(topic, T0, 'good 1'), envelope(topic, T0 + 1n, 'good 2')];
    const bad = envelope(topic, 1n << 63n, 'beyond int64');
    const [first, second, third] = await Promise.allSettled([
      store.insert([good[0]!]),
      store.insert([bad]),
      store.insert([good[1]!]),
    ]);
    expect(first).toEqual({ status: 'fulfilled', value: [true] });
    expect(second.status).toBe('rejected');
    expect(third).toEqual({ status: 'fulfilled', value: [true] });
    const rows = await store.query({ contentTopics: [topic], limit: 10, direction: 'ascending' });
    expect(rows.map((r) => Buffer.from(r.message).toString())).toEqual(['good 1', 'good 2']);
  });

  it('keeps inserts that arrive while a group is being written for the next group', async () => {
    const first = store.insert([envelope(topic, T0, 'a')]);
    await new Promise((r) => setImmediate(r));
    const later = await Promise.all([
      store.insert([envelope(topic, T0, 'b')]),
      store.insert([envelope(topic, T0, 'c')]),
    ]);
    expect(await first).toEqual([true]);
    expect(later).toEqual([[true], [true]]);
    expect(batches.map((b) => b.length)).toEqual([1, 2]);
  });

  it('passes everything but insert straight to the store', async () => {
    expect(store.description).toBe(sqlite.description);
    await store.insert([envelope(topic, T0, 'x')]);
    expect(await store.query({ contentTopics: [topic], limit: 10, direction: 'descending' })).toHaveLength(1);
    expect(await store.insert([])).toEqual([]);
  });
});
