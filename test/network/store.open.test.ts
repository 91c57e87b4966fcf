// The shared store suite against what a node really gets from openStore: SQLite behind group commit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { openStore } from '@/network/store/open';
import { describeEnvelopeStore } from './store.suite';

const root = mkdtempSync(join(tmpdir(), 'xmtp-open-store-'));
let dirs = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

describeEnvelopeStore('openStore (SQLite with group commit)', {
  newLocation: async () => join(root, `store-${++dirs}`),
  open: (dataDir) => openStore({ dataDir }),
  sharedByInstances: false,
});
