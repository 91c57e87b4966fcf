// The shared store suite against SQLite, a fresh directory per test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SqliteStore } from '@/network/store/sqlite';
import { describeEnvelopeStore } from './store.suite';

const root = mkdtempSync(join(tmpdir(), 'xmtp-sqlite-store-'));
let dirs = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeEnvelopeStore('SQLite envelope store', {
  newLocation: async () => join(root, `store-${++dirs}`),
  open: async (dir) => new SqliteStore(join(dir, 'envelopes.db')),
  sharedByInstances: true,
});

describeEnvelopeStore('SQLite envelope store, inserts on the main thread', {
  newLocation: async () => join(root, `store-${++dirs}`),
  open: async (dir) => new SqliteStore(join(dir, 'envelopes.db'), { writerThread: false }),
  sharedByInstances: true,
});

// Rows reach the topic index in passes (migrations/sqlite/003); with a pass every 3 rows, in steps of one
// topic, every query of the suite reads indexed rows and rows above the mark, pages cross it, and on the
// main thread (one step per batch) passes stay half done between batches.
describeEnvelopeStore('SQLite envelope store, topic index every 3 rows', {
  newLocation: async () => join(root, `store-${++dirs}`),
  open: async (dir) => new SqliteStore(join(dir, 'envelopes.db'), { indexBatchRows: 3, indexStepRows: 1 }),
  sharedByInstances: true,
});

describeEnvelopeStore('SQLite envelope store, topic index every 3 rows, inserts on the main thread', {
  newLocation: async () => join(root, `store-${++dirs}`),
  open: async (dir) =>
    new SqliteStore(join(dir, 'envelopes.db'), { indexBatchRows: 3, indexStepRows: 1, writerThread: false }),
  sharedByInstances: true,
});
