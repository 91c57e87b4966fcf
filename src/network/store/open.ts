// Picks the envelope store from the node's options (docs/node-api.md §1): SQLite in <dataDir>/envelopes.db
// by default, PostgreSQL for a postgres:// URL.
import { join } from 'node:path';
import { withGroupCommit } from './group-commit';
import { SqliteStore } from './sqlite';
import type { EnvelopeStore } from './store';

export const DEFAULT_DATA_DIR = '.xmtp-node';

export async function openStore(opts: {
  dataDir?: string;
  storeUrl?: string;
  /** Hears about long work at open (a migration that rewrites a large SQLite database). */
  progress?: (message: string) => void;
}): Promise<EnvelopeStore> {
  if (opts.dataDir !== undefined && opts.storeUrl !== undefined) {
    throw new Error('dataDir and storeUrl are mutually exclusive');
  }
  if (opts.storeUrl !== undefined) {
    const url = opts.storeUrl;
    if (/^postgres(ql)?:\/\//.test(url)) {
      // Loaded on demand: a node on SQLite never loads the PostgreSQL driver.
      const { openPostgresStore } = await import('./postgres');
      return withGroupCommit(await openPostgresStore({ url }));
    }
    throw new Error(`unsupported store URL (expected postgres://…): ${url}`);
  }
  // Concurrent publishes share one transaction (bench/node.ts: ~1.5x single-publish throughput),
  // two groups at a time (the writer thread writes one while the main thread answers the other).
  const path = join(opts.dataDir ?? DEFAULT_DATA_DIR, 'envelopes.db');
  const store = new SqliteStore(path, opts.progress ? { progress: opts.progress } : {});
  // The writer thread loads the digest index (~2 s per million envelopes) before the node says it listens.
  await store.ready;
  return withGroupCommit(store, { inFlight: 2 });
}
