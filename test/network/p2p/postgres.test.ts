// Several API nodes on one PostgreSQL database: they are p2p peers (the relay is how each node's
// subscribers hear of envelopes published on another), rows are stored once, history sync between them
// is skipped (same store identity), a PostgreSQL node serves history sync to an SQLite node, and the
// digest-first anti-entropy sync works both ways between a PostgreSQL node and an SQLite node.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode } from '@/network/node';
import type { XmtpNode } from '@/network/node';
import { openPostgresStore } from '@/network/store/postgres';
import { envelopeDigest } from '@/network/store/digest';
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

  it('syncs digest-first both ways with an SQLite node, skipping what both have, and never past an open transaction', async () => {
    const url = await cluster.newDatabase();
    const p = await pgNode(url, 'digests-pg');
    const s = await startP2pTestNode([addressOf(p)]);
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await waitForMesh([p, s]);
      // The first sync of each pair (whole pages) gives each side a position in the other's store.
      await Promise.all([p.p2p.syncNow(), s.p2p.syncNow()]);
      const topic = '/xmtp/0/m-pg-digests/proto';
      const make = (name: string, i: number) => envelopeJson(topic, T0 + BigInt(i), `${name} ${i}`);
      for (const [node, name] of [
        [p, 'from-pg'],
        [s, 'from-sqlite'],
      ] as const) {
        const envelopes = Array.from({ length: 100 }, (_, i) => make(name, i));
        expect((await post(node, '/message/v1/publish', { envelopes })).status).toBe(200);
      }
      await waitFor('gossip to deliver all 200 both ways', async () =>
        (await Promise.all([p, s].map((n) => storedOn(n, [topic])))).every((e) => e.length === 200),
      );
      // Both stores hold the same 200: each direction lists them as digests and transfers none.
      for (const [node, peer] of [
        [p, s],
        [s, p],
      ] as const) {
        const [result] = await node.p2p.syncNow();
        expect(result).toMatchObject({ peer: peer.p2p.peerId, envelopes: 0, stored: 0 });
        expect(result!.skipped).toBe(200);
      }

      // Cut off, each side gets envelopes the other lacks. On PostgreSQL one row stays in an open
      // transaction, and 10 rows commit after it: a scan must stop before the open one.
      await s.p2p.isolate(true);
      await waitFor('the nodes to part', async () => (await s.p2p.peers()).length === 0);
      const onlyPg = Array.from({ length: 30 }, (_, i) => make('only-pg', i));
      const onlySqlite = Array.from({ length: 40 }, (_, i) => make('only-sqlite', i));
      await post(p, '/message/v1/publish', { envelopes: onlyPg });
      await post(s, '/message/v1/publish', { envelopes: onlySqlite });
      const held = make('held', 0);
      const heldMessage = Buffer.from(held.message, 'base64');
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO envelopes (digest, content_topic, timestamp_ns, message) VALUES ($1, $2, $3, $4)`,
        [Buffer.from(envelopeDigest(topic, heldMessage)), topic, held.timestampNs, heldMessage],
      );
      const afterHeld = Array.from({ length: 10 }, (_, i) => make('after-held', i));
      await post(p, '/message/v1/publish', { envelopes: afterHeld });

      await s.p2p.isolate(false);
      // Reconnected, each side syncs from the other (digests first) and fetches only what it lacks.
      await waitFor(
        'the SQLite node to fetch the 30 committed before the open transaction',
        async () => (await storedOn(s, [topic])).length === 270,
        20_000,
      );
      await waitFor(
        'the PostgreSQL node to fetch the 40',
        async () => (await storedOn(p, [topic])).length === 280,
        20_000,
      );
      // The rows committed after the open transaction's row are not read past it yet.
      const [early] = await s.p2p.syncNow();
      expect(early).toMatchObject({ envelopes: 0, skipped: 0 });
      await other.query('COMMIT');
      // Now the held row and the 10 after it, and (listed as digests only) the SQLite node's own 40,
      // which the PostgreSQL node stored after them.
      const [late] = await s.p2p.syncNow();
      expect(late).toMatchObject({ envelopes: 11, stored: 11, skipped: 40 });
      expect(await storedOn(s, [topic])).toEqual(await storedOn(p, [topic]));
      expect((await storedOn(p, [topic])).length).toBe(281);

      // Nothing either side had already crossed the wire again; what was missing did, once.
      const synced = async (node: P2pTestNode, result: string): Promise<number> => {
        const text = await (await fetch(`${node.url}/metrics`)).text();
        const m = new RegExp(`^xmtp_sync_envelopes_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text);
        return Number(m?.[1] ?? 0);
      };
      expect(await synced(s, 'new')).toBe(30 + 11);
      expect(await synced(s, 'present')).toBe(0);
      expect(await synced(s, 'skipped')).toBeGreaterThanOrEqual(200);
      expect(await synced(p, 'new')).toBe(40);
      expect(await synced(p, 'present')).toBe(0);
      expect(await synced(p, 'skipped')).toBeGreaterThanOrEqual(200);

      // Positions: the SQLite node keeps the PostgreSQL node's (xact:seq), the other a rowid. Synced
      // once more, each side lists only what it stored since: the PostgreSQL node the 41 the SQLite node
      // fetched from it, all known there except the row written by another database client.
      const positions = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
      expect(positions(join(s.dataDir, 'p2p-sync-positions.json'))[p.p2p.peerId]).toMatch(/^\d+:\d+$/);
      expect(positions(join(keys, 'digests-pg.sync.json'))[s.p2p.peerId]).toMatch(/^\d+$/);
      const [again] = await p.p2p.syncNow();
      expect(again).toMatchObject({ envelopes: 1, stored: 0, skipped: 40 });
      const [none] = await s.p2p.syncNow();
      expect(none).toMatchObject({ envelopes: 0, stored: 0, skipped: 0 });
    } finally {
      await other.end();
      await s.close();
      await p.close();
    }
  }, 60_000);

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
