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

// Rows reach the topic index in passes (migrations/sqlite/003); with a pass every 3 rows, every query of
// the suite reads indexed rows and rows above the mark, and pages cross it.
describeEnvelopeStore('SQLite envelope store, topic index every 3 rows', {
  newLocation: async () => join(root, `store-${++dirs}`),
  open: async (dir) => new SqliteStore(join(dir, 'envelopes.db'), { indexBatchRows: 3 }),
  sharedByInstances: true,
});
