// Several API nodes on one PostgreSQL database: they are p2p peers (the relay is how each node's
// subscribers hear of envelopes published on another), rows are stored once, history sync between them
// is skipped (same store identity), and a PostgreSQL node serves history sync to an SQLite node.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode } from '@/network/node';
import type { XmtpNode } from '@/network/node';
import { openPostgresStore } from '@/network/store/postgres';
import { envelopeDigest } from '@/network/api/service';
import { startPostgres } from '../../helpers/postgres';
import type { PostgresCluster } from '../../helpers/postgres';
import { envelopeJson, post, sleep, subscribe, T0 } from '../helpers';
import { addressOf, startP2pTestNode, storedOn, waitFor, waitForMesh } from './helpers';
import type { P2pTestNode } from './helpers';

let cluster: PostgresCluster;
let keys: string;
beforeAll(async () => {
  cluster = await startPostgres();
  keys = mkdtempSync(join(tmpdir(), 'xmtp-p2p-pg-'));
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  rmSync(keys, { recursive: true, force: true });
});

async function pgNode(url: string, name: string, bootstrap: string[] = []): Promise<P2pTestNode> {
  const node = await startNode({
    storeUrl: url,
    port: 0,
    auth: false,
    rateLimit: false,
    p2p: { port: 0, bootstrap, keyFile: join(keys, name), redialIntervalMs: 300, syncIntervalMs: 0 },
  });
  return node as XmtpNode as P2pTestNode;
}

async function rowCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query('SELECT count(*) AS n FROM envelopes')).rows[0].n);
  } finally {
    await client.end();
  }
}

describe('nodes sharing one PostgreSQL database', () => {
  it("delivers to each node's subscribers what was published on the other, storing it once", async () => {
    const url = await cluster.newDatabase();
    const a = await pgNode(url, 'a');
    const b = await pgNode(url, 'b', [addressOf(a)]);
    try {
      await waitForMesh([a, b]);
      const topic = '/xmtp/0/m-pg-shared-relay/proto';
      const onA = subscribe(a, '/message/v1/subscribe', { contentTopics: [topic] });
      const onB = subscribe(b, '/message/v1/subscribe', { contentTopics: [topic] });
      await Promise.all([onA.status, onB.status]);
      await sleep(100);
      const envelopes = Array.from({ length: 10 }, (_, i) => envelopeJson(topic, T0 + BigInt(i), `pg ${i}`));
      await post(a, '/message/v1/publish', { envelopes: envelopes.slice(0, 5) });
      await post(b, '/message/v1/publish', { envelopes: envelopes.slice(5) });
      const names = envelopes.map((_, i) => `pg ${i}`).sort();
      for (const s of [onA, onB]) {
        const got: string[] = [];
        for (let i = 0; i < 10; i++)
          got.push(Buffer.from((await s.next(5000)).result.message, 'base64').toString());
        await expect(s.next(500)).rejects.toThrow();
        expect(got.sort()).toEqual(names);
        s.close();
      }
      expect(await rowCount(url)).toBe(10);
      // They read the same rows: sync between them transfers nothing.
      for (const node of [a, b]) {
        const results = await node.p2p.syncNow();
        expect(results.map((r) => r.envelopes)).toEqual([0]);
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 40_000);

  it('serves history sync from PostgreSQL to an SQLite node that joins late', async () => {
    const url = await cluster.newDatabase();
    const source = await pgNode(url, 'source');
    let late: P2pTestNode | undefined;
    try {
      const topic = '/xmtp/0/m-pg-sync/proto';
      const envelopes = Array.from({ length: 1200 }, (_, i) =>
        envelopeJson(topic, T0 + BigInt(i), `hist ${i}`),
      );
      for (let i = 0; i < envelopes.length; i += 400) {
        await post(source, '/message/v1/publish', { envelopes: envelopes.slice(i, i + 400) });
      }
      late = await startP2pTestNode([addressOf(source)]);
      await waitFor(
        'the SQLite node to sync from PostgreSQL',
        async () => (await storedOn(late!, [topic])).length === 1200,
        20_000,
      );
      expect(await storedOn(late, [topic])).toEqual(await storedOn(source, [topic]));
    } finally {
      await late?.close();
      await source.close();
    }
  }, 40_000);

  it('scans in insertion order, never past a row another transaction may still commit', async () => {
    const url = await cluster.newDatabase();
    const store = await openPostgresStore({ url });
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      const make = (i: number) => {
        const contentTopic = '/xmtp/0/m-pg-scan/proto';
        const message = new TextEncoder().encode(`row ${i}`);
        return {
          contentTopic,
          timestampNs: BigInt(i),
          message,
          digest: envelopeDigest(contentTopic, message),
        };
      };
      await store.insert([make(1), make(2)]);
      // An open transaction holds row 3; row 4 commits after it.
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO envelopes (digest, content_topic, timestamp_ns, message) VALUES ($1, $2, $3, $4)`,
        [make(3).digest, make(3).contentTopic, '3', make(3).message],
      );
      await store.insert([make(4)]);
      const first = await store.scan!(undefined, 10);
      // One batch is inserted in digest order (postgres.ts), so compare its rows as a set.
      expect(first.envelopes.map((e) => e.timestampNs).sort()).toEqual([1n, 2n]);
      await other.query('COMMIT');
      const next = await store.scan!(first.position, 10);
      expect(next.envelopes.map((e) => e.timestampNs)).toEqual([3n, 4n]);
      expect((await store.scan!(next.position, 10)).envelopes).toEqual([]);
      expect(store.identity).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await other.end();
      await store.close();
    }
  });
});
