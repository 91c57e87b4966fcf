// The shared store suite against PostgreSQL, on a throwaway cluster (one per file, a database per test).
import { afterAll, beforeAll } from 'vitest';
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
