// The shared store suite against PostgreSQL, on a throwaway cluster (one per file, a database per test):
// the store itself, and the store as openStore hands it to a node (behind group commit).
import { afterAll, beforeAll } from 'vitest';
import { openStore } from '@/network/store/open';
import { openPostgresStore } from '@/network/store/postgres';
import { startPostgres, type PostgresCluster } from '../helpers/postgres';
import { describeEnvelopeStore } from './store.suite';

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

describeEnvelopeStore('PostgreSQL envelope store', {
  newLocation: () => cluster.newDatabase(),
  open: (url) => openPostgresStore({ url }),
  sharedByInstances: true,
});

describeEnvelopeStore('openStore (PostgreSQL with group commit)', {
  newLocation: () => cluster.newDatabase(),
  open: (storeUrl) => openStore({ storeUrl }),
  sharedByInstances: true,
});
