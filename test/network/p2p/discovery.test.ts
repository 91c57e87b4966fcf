// Peer advertisement: a node given one address finds every node, and the CLI flags that set it up.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNodeArgs } from '@/cli/node';
import { startNode } from '@/network/node';
import { addressOf, startP2pTestNode, waitFor, waitForMesh } from './helpers';
import type { P2pTestNode } from './helpers';

const nodes: P2pTestNode[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close()));
});

describe('peer discovery', () => {
  it('connects a node given one bootstrap address to every node of the network', async () => {
    // A chain: each node knows only the one before it.
    nodes.push(await startP2pTestNode());
    for (let i = 1; i < 4; i++) nodes.push(await startP2pTestNode([addressOf(nodes[i - 1]!)]));
    const ids = nodes.map((n) => n.p2p.peerId);
    await waitFor('every node to connect to every other one', async () => {
      const lists = await Promise.all(nodes.map((n) => n.p2p.peers()));
      return lists.every(
        (peers, i) => peers.length === ids.length - 1 && !peers.some((p) => p.id === ids[i]),
      );
    });
    await waitForMesh(nodes);
    const last = await (await fetch(`${nodes[3]!.url}/peers`)).json();
    expect(last.peers.map((p: { id: string }) => p.id).sort()).toEqual(ids.slice(0, 3).sort());
  }, 30_000);

  it('accepts a bootstrap address without a peer id', async () => {
    const first = nodes[0]!;
    const bare = addressOf(first).replace(/\/p2p\/.*$/, '');
    const node = await startP2pTestNode([bare]);
    nodes.push(node);
    await waitFor('the node to join everyone', async () => (await node.p2p.peers()).length === 4);
  }, 20_000);
});

describe('p2p start-up', () => {
  it('refuses to start on a p2p port that is taken; the same data dir starts on a free one', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'xmtp-p2p-taken-'));
    try {
      const port = Number(addressOf(nodes[0]!).split('/')[4]);
      await expect(startNode({ port: 0, dataDir, p2p: { port } })).rejects.toThrow(/EADDRINUSE|address/i);
      const node = await startNode({ port: 0, dataDir, p2p: { port: 0 } });
      await node.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('xmtp-inbox node p2p flags', () => {
  it('parses the peer-to-peer flags into node options', () => {
    const addr = '/ip4/10.0.0.1/tcp/6000/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo';
    expect(
      parseNodeArgs([
        '--host',
        '0.0.0.0',
        '--p2p-port',
        '6000',
        '--bootstrap',
        addr,
        '--bootstrap',
        '/dns4/node.example/tcp/6000',
        '--announce',
        '/ip4/203.0.113.7/tcp/6000',
        '--p2p-key',
        '/tmp/key',
        '--sync-interval',
        '300',
      ]),
    ).toMatchObject({
      p2p: {
        port: 6000,
        host: '0.0.0.0',
        bootstrap: [addr, '/dns4/node.example/tcp/6000'],
        announce: ['/ip4/203.0.113.7/tcp/6000'],
        keyFile: '/tmp/key',
        syncIntervalMs: 300_000,
      },
    });
    expect(parseNodeArgs([])).not.toHaveProperty('p2p');
  });

  it('names the bad flag', () => {
    expect(() => parseNodeArgs(['--p2p-port', 'x'])).toThrow(/--p2p-port/);
    expect(() => parseNodeArgs(['--p2p-port', '1', '--sync-interval', '1.5'])).toThrow(/--sync-interval/);
    expect(() => parseNodeArgs(['--p2p-port', '1', '--bootstrap', 'http://x'])).toThrow(/--bootstrap/);
    expect(() => parseNodeArgs(['--bootstrap', '/ip4/1.2.3.4/tcp/1'])).toThrow(
      /--bootstrap needs --p2p-port/,
    );
  });
});
