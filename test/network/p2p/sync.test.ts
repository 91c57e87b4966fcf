// History sync: a node that was killed during traffic, cut off from its peers, or that joins late
// ends with every envelope, and resumes from where it stopped.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { envelopeJson, post, sleep, subscribe, T0 } from '../helpers';
import { addressOf, startP2pTestNode, storedOn, waitFor, waitForMesh } from './helpers';
import type { P2pTestNode } from './helpers';
import { spawnNode } from './process';
import type { NodeProcess } from './process';

const SECOND = 1_000_000_000n;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function p2pNode(...args: Parameters<typeof startP2pTestNode>): Promise<P2pTestNode> {
  const node = await startP2pTestNode(...args);
  cleanups.push(() => node.close());
  return node;
}

/** Every (topic, digest) of the SQLite database at `path`, as text, with how often each is stored. */
function storedPairs(path: string): Map<string, number> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT t.name AS topic, hex(e.digest) AS digest, count(*) AS n FROM envelopes e
         JOIN topics t ON t.id = e.topic_id GROUP BY t.name, e.digest`,
      )
      .all() as { topic: string; digest: string; n: number }[];
    return new Map(rows.map((r) => [`${r.topic}|${r.digest}`, r.n]));
  } finally {
    db.close();
  }
}

async function syncedNew(node: { url: string }): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`, { headers: { Connection: 'close' } })).text();
  return Number(/^xmtp_sync_envelopes_total\{result="new"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xmtp-p2p-sync-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('history sync', () => {
  it('brings a node killed during traffic up to date when it restarts', async () => {
    const a = await p2pNode();
    const b = await p2pNode([addressOf(a)]);
    const dir = tempDir();
    let c: NodeProcess = await spawnNode(['--data-dir', dir, '--bootstrap', addressOf(a)]);
    cleanups.push(() => c.stop('SIGKILL'));
    await waitFor('c to join the relay', () => a.p2p.relayPeers().includes(c.peerId), 15_000);

    const topics = ['/xmtp/0/m-sync-kill-1/proto', '/xmtp/0/m-sync-kill-2/proto'];
    const all = Array.from({ length: 240 }, (_, i) =>
      envelopeJson(topics[i % 2]!, T0 + BigInt(i) * SECOND, `traffic ${i}`),
    );
    let sent = 0;
    const publishSome = async (n: number): Promise<void> => {
      for (const end = sent + n; sent < end; sent += 10) {
        const reply = await post(sent % 20 === 0 ? a : b, '/message/v1/publish', {
          envelopes: all.slice(sent, sent + 10),
        });
        expect(reply.status).toBe(200);
      }
    };
    await publishSome(80);
    await c.stop('SIGKILL');
    await publishSome(80);
    c = await spawnNode(['--data-dir', dir, '--bootstrap', addressOf(b)]);
    await publishSome(80);

    const expected = all.map((e) => `${e.contentTopic}|${e.message}`).sort();
    await waitFor(
      'the restarted node to hold every envelope',
      async () => (await storedOn(c, topics)).length === all.length,
      20_000,
    );
    for (const node of [a, b, c]) expect((await storedOn(node, topics)).sort()).toEqual(expected);
  }, 60_000);

  it('keeps its peer id across restarts', async () => {
    const dir = tempDir();
    const first = await spawnNode(['--data-dir', dir]);
    await first.stop();
    const second = await spawnNode(['--data-dir', dir]);
    await second.stop();
    expect(second.peerId).toBe(first.peerId);
  }, 30_000);

  it('heals a node cut off from the relay: both sides end with everything, live subscribers get the rest', async () => {
    const a = await p2pNode();
    const b = await p2pNode([addressOf(a)]);
    const c = await p2pNode([addressOf(a)]);
    await waitForMesh([a, b, c]);
    const topic = '/xmtp/0/m-sync-partition/proto';
    const onC = subscribe(c, '/message/v1/subscribe', { contentTopics: [topic] });
    const onA = subscribe(a, '/message/v1/subscribe', { contentTopics: [topic] });
    await Promise.all([onC.status, onA.status]);
    cleanups.push(async () => {
      onC.close();
      onA.close();
    });

    await c.p2p.isolate(true);
    await waitFor('c to have no peers', async () => (await c.p2p.peers()).length === 0);
    const now = BigInt(Date.now()) * 1_000_000n;
    const outside = Array.from({ length: 20 }, (_, i) =>
      envelopeJson(topic, now + BigInt(i), `outside ${i}`),
    );
    const inside = Array.from({ length: 5 }, (_, i) =>
      envelopeJson(topic, now + 100n + BigInt(i), `inside ${i}`),
    );
    await post(a, '/message/v1/publish', { envelopes: outside.slice(0, 10) });
    await post(b, '/message/v1/publish', { envelopes: outside.slice(10) });
    await post(c, '/message/v1/publish', { envelopes: inside });
    await sleep(300);
    expect((await storedOn(c, [topic])).length).toBe(5);
    expect((await storedOn(a, [topic])).length).toBe(20);

    await c.p2p.isolate(false);
    await waitFor(
      'the partition to heal',
      async () =>
        (await Promise.all([a, b, c].map((n) => storedOn(n, [topic])))).every((s) => s.length === 25),
      15_000,
    );
    const expected = [...outside, ...inside].map((e) => `${e.contentTopic}|${e.message}`).sort();
    for (const node of [a, b, c]) expect((await storedOn(node, [topic])).sort()).toEqual(expected);

    // Live subscribers saw their own side at once and the other side after the heal, each envelope once.
    const read = async (s: typeof onC, n: number): Promise<string[]> => {
      const got: string[] = [];
      for (let i = 0; i < n; i++)
        got.push(Buffer.from((await s.next(5000)).result.message, 'base64').toString());
      await expect(s.next(500)).rejects.toThrow();
      return got.sort();
    };
    const names = [...outside, ...inside].map((e) => Buffer.from(e.message, 'base64').toString()).sort();
    expect(await read(onC, 25)).toEqual(names);
    expect(await read(onA, 25)).toEqual(names);
  }, 40_000);

  it('resumes from the saved position: a returning node fetches only what is new', async () => {
    const source = await p2pNode();
    const topic = '/xmtp/0/m-sync-resume/proto';
    // More than two sync pages (5000 envelopes each).
    const old = Array.from({ length: 12_000 }, (_, i) => envelopeJson(topic, T0 + BigInt(i), `old ${i}`));
    for (let i = 0; i < old.length; i += 1000) {
      expect((await post(source, '/message/v1/publish', { envelopes: old.slice(i, i + 1000) })).status).toBe(
        200,
      );
    }
    const dir = tempDir();
    let late = await startP2pTestNode([addressOf(source)], {}, { dataDir: dir });
    await waitFor(
      'the late node to sync 12 000 envelopes',
      async () => {
        const text = await (await fetch(`${late.url}/metrics`)).text();
        return /^xmtp_sync_envelopes_total\{result="new"\} 12000$/m.test(text);
      },
      30_000,
    );
    const positions = JSON.parse(readFileSync(join(dir, 'p2p-sync-positions.json'), 'utf8'));
    expect(Object.keys(positions)).toEqual([source.p2p.peerId]);
    await late.close();

    const fresh = Array.from({ length: 10 }, (_, i) =>
      envelopeJson(topic, T0 + 50_000n + BigInt(i), `new ${i}`),
    );
    await post(source, '/message/v1/publish', { envelopes: fresh });
    late = await startP2pTestNode([addressOf(source)], {}, { dataDir: dir });
    cleanups.push(() => late.close());
    await waitFor('the returning node to sync', async () => {
      const text = await (await fetch(`${late.url}/metrics`)).text();
      return /^xmtp_sync_envelopes_total\{result="new"\} 10$/m.test(text);
    });
    const text = await (await fetch(`${late.url}/metrics`)).text();
    // Nothing it already had was sent again.
    expect(text).toMatch(/^xmtp_sync_envelopes_total\{result="present"\} 0$/m);
    expect((await storedOn(late, [topic])).length).toBe(12_010);
  }, 60_000);

  it('re-reads what gossip delivered as digests only, and still fetches what gossip missed', async () => {
    const a = await p2pNode();
    const b = await p2pNode([addressOf(a)]);
    await waitForMesh([a, b]);
    await Promise.all([a.p2p.syncNow(), b.p2p.syncNow()]);
    const topic = '/xmtp/0/m-sync-digests/proto';
    const relayed = Array.from({ length: 300 }, (_, i) =>
      envelopeJson(topic, T0 + BigInt(i), `relayed ${i}`),
    );
    for (let i = 0; i < relayed.length; i += 100) {
      await post(i % 200 === 0 ? a : b, '/message/v1/publish', { envelopes: relayed.slice(i, i + 100) });
    }
    await waitFor('gossip to deliver all 300', async () => (await storedOn(b, [topic])).length === 300);
    await waitFor('gossip to deliver all 300', async () => (await storedOn(a, [topic])).length === 300);
    // Everything a and b published reached the other over gossip: the sync transfers no envelope.
    const [fromB] = await a.p2p.syncNow();
    expect(fromB).toMatchObject({ peer: b.p2p.peerId, envelopes: 0, stored: 0 });
    expect(fromB!.skipped).toBeGreaterThanOrEqual(100);

    // Cut off, b misses 20; back, its sync asks a for digests and fetches exactly those 20.
    await b.p2p.isolate(true);
    const missed = Array.from({ length: 20 }, (_, i) =>
      envelopeJson(topic, T0 + 1000n + BigInt(i), `missed ${i}`),
    );
    await post(a, '/message/v1/publish', { envelopes: missed });
    await post(a, '/message/v1/publish', {
      envelopes: Array.from({ length: 100 }, (_, i) =>
        envelopeJson(topic, T0 + 2000n + BigInt(i), `later ${i}`),
      ),
    });
    const gotBefore = (await storedOn(b, [topic])).length;
    expect(gotBefore).toBe(300);
    await b.p2p.isolate(false);
    await waitFor('b to reconnect and sync', async () => (await storedOn(b, [topic])).length === 420);
    expect(await storedOn(b, [topic])).toEqual(await storedOn(a, [topic]));
    // Only the missing ones crossed the wire; the 300 b had were skipped by digest.
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/^xmtp_sync_envelopes_total\{result="present"\} 0$/m);
    expect(
      Number(/^xmtp_sync_envelopes_total\{result="skipped"\} (\d+)$/m.exec(metrics)?.[1]),
    ).toBeGreaterThanOrEqual(300);
  }, 40_000);

  it('a node restarted twice in the middle of a catch-up (stopped, then killed) ends with every envelope exactly once', async () => {
    const source = await p2pNode();
    const topics = Array.from({ length: 30 }, (_, i) => `/xmtp/0/m-sync-restart-${i}/proto`);
    // Eight pages of 5,000, but a stream's pages grow from 500 (sync-protocol.ts "first"), so the first
    // process stops after 7,500 and the second one's last page can end up to 5,000 past its mark: room for
    // both restarts to land before the end.
    const TOTAL = 40_000;
    for (let i = 0; i < TOTAL; i += 1000) {
      const envelopes = Array.from({ length: 1000 }, (_, j) =>
        envelopeJson(topics[(i + j) % topics.length]!, T0 + BigInt(i + j), `restart ${i + j}`),
      );
      expect((await post(source, '/message/v1/publish', { envelopes })).status).toBe(200);
    }
    const dir = tempDir();
    // Paced to about 4,000 envelopes/s so that the restarts land in the middle of the catch-up.
    const slow = ['--data-dir', dir, '--bootstrap', addressOf(source), '--peer-limits', 'sync-in=4000:4000'];
    let late = await spawnNode(slow);
    cleanups.push(() => late.stop('SIGKILL'));
    for (const [signal, after] of [
      ['SIGTERM', 5000],
      ['SIGKILL', 15_000],
    ] as const) {
      await waitFor(
        `the late node to sync ${after} envelopes`,
        async () => (await syncedNew(late)) >= after,
        30_000,
      );
      const before = storedPairs(join(dir, 'envelopes.db')).size;
      expect(before).toBeLessThan(TOTAL);
      await late.stop(signal);
      late = await spawnNode(signal === 'SIGTERM' ? slow : slow.slice(0, 4));
    }
    await waitFor(
      'the restarted node to hold every envelope',
      () => storedPairs(join(dir, 'envelopes.db')).size === TOTAL,
      60_000,
    );
    await late.stop('SIGTERM');
    const onLate = storedPairs(join(dir, 'envelopes.db'));
    const onSource = storedPairs(join(source.dataDir, 'envelopes.db'));
    expect(onSource.size).toBe(TOTAL);
    expect([...onLate.keys()].sort()).toEqual([...onSource.keys()].sort());
    expect([...onLate.values()].every((n) => n === 1)).toBe(true);
  }, 120_000);
});
