// ENS names and avatars (issue #16 item 4) against a real local chain: ganache started here, the registry and
// resolver compiled with solc-js and deployed, records set by transactions; every lookup is a real eth_call
// through viem, nothing mocked.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnsLookup, avatarLocation } from '@/extension/names/ens';
import { createNameService } from '@/extension/names/name-service';
import { startEnsChain, type EnsChain } from '../../helpers/ens-chain';

const PNG_1x1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

let chain: EnsChain;
let gateway: Server;
let gatewayUrl = '';
const rpcCalls: string[] = [];
const countingFetch: typeof fetch = async (input, init) => {
  if (String(input).startsWith(chain.rpcUrl)) rpcCalls.push(String(init?.body ?? ''));
  return fetch(input, init);
};

beforeAll(async () => {
  chain = await startEnsChain();
  // An IPFS gateway on loopback serving one avatar.
  gateway = createServer((req, res) => {
    if (req.url === '/ipfs/bafyavatar')
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from(PNG_1x1, 'base64'));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as { port: number }).port}/ipfs`;
}, 120_000);
afterAll(async () => {
  await chain?.close();
  gateway?.close();
});

describe('ENS on a local chain', () => {
  it('shows the verified primary name and avatar; refuses a reverse record that does not point back', async () => {
    const [, alice, bob, mallory] = chain.accounts as [string, `0x${string}`, `0x${string}`, `0x${string}`];
    await chain.register('alice.eth', alice, { avatar: `data:image/png;base64,${PNG_1x1}` });
    await chain.setReverse(alice, 'alice.eth');
    await chain.register('bob.eth', bob, { avatar: 'ipfs://bafyavatar' });
    await chain.setReverse(bob, 'bob.eth');
    // Mallory claims alice.eth in her own reverse record; alice.eth points to Alice.
    await chain.setReverse(mallory, 'alice.eth');

    const ens = createEnsLookup({
      rpcUrl: chain.rpcUrl,
      registry: chain.registry,
      ipfsGateway: gatewayUrl,
      fetch,
    });
    expect(await ens.profile(alice)).toEqual({
      name: 'alice.eth',
      avatarUrl: `data:image/png;base64,${PNG_1x1}`,
    });
    expect(await ens.profile(bob)).toEqual({ name: 'bob.eth', avatarUrl: `${gatewayUrl}/bafyavatar` });
    expect(await ens.profile(mallory)).toEqual({});
    expect(await ens.profile(chain.accounts[4]!)).toEqual({}); // no records at all
    expect(await ens.address('alice.eth')).toBe(alice);
    expect(await ens.address('ALICE.eth')).toBe(alice); // normalised
    expect(await ens.address('nobody.eth')).toBeUndefined();
  });

  it('answers at once with what it knows, looks the rest up in the background, and loads avatars', async () => {
    const [, alice, bob] = chain.accounts as [string, `0x${string}`, `0x${string}`];
    const resolved: string[][] = [];
    const settings = {
      ens: true,
      ensRpcUrl: chain.rpcUrl,
      ensRegistry: chain.registry,
      ipfsGateway: gatewayUrl,
    };
    const names = createNameService({
      settings: async () => settings,
      fetch: countingFetch,
      onResolved: (addresses) => resolved.push(addresses),
    });
    expect(names.known([alice, bob])).toEqual({}); // hex first: nothing waits for the chain
    await expect.poll(() => resolved.flat().length, { timeout: 10_000 }).toBe(2);
    expect(names.known([alice, bob])).toEqual({
      [alice]: { name: 'alice.eth', avatar: true },
      [bob]: { name: 'bob.eth', avatar: true },
    });
    // Cached: asking again makes no RPC call.
    const calls = rpcCalls.length;
    names.known([alice, bob]);
    await new Promise((r) => setTimeout(r, 100));
    expect(rpcCalls.length).toBe(calls);
    expect(await names.avatar(alice)).toEqual({ mimeType: 'image/png', data: PNG_1x1 });
    const ipfs = await names.avatar(bob);
    expect(ipfs.mimeType).toBe('image/png');
    expect(Buffer.from(ipfs.data, 'base64')).toEqual(Buffer.from(PNG_1x1, 'base64'));
    expect(await names.resolve('alice.eth')).toBe(alice);
    await expect(names.resolve('nobody.eth')).rejects.toMatchObject({ code: 'ens_not_found' });

    // Off: no lookups at all, and names cannot be resolved.
    settings.ens = false;
    names.clear();
    const before = rpcCalls.length;
    expect(names.known([alice])).toEqual({});
    await new Promise((r) => setTimeout(r, 200));
    expect(rpcCalls.length).toBe(before);
    await expect(names.resolve('alice.eth')).rejects.toMatchObject({ code: 'ens_off' });
  });

  it('reads ENSIP-12 avatar records: https, ipfs through the gateway, raster data: URLs; nothing else', () => {
    const gw = 'https://gw.example/ipfs/';
    expect(avatarLocation('https://img.example/a.png', gw)).toBe('https://img.example/a.png');
    expect(avatarLocation('ipfs://bafy123/x.png', gw)).toBe('https://gw.example/ipfs/bafy123/x.png');
    expect(avatarLocation('ipfs://ipfs/bafy123', gw)).toBe('https://gw.example/ipfs/bafy123');
    expect(avatarLocation('data:image/png;base64,AAAA', gw)).toBe('data:image/png;base64,AAAA');
    for (const bad of [
      'http://img.example/a.png',
      'javascript:alert(1)',
      'data:text/html;base64,AAAA',
      'data:image/svg+xml;base64,AAAA',
      'eip155:1/erc721:0xabc/1',
      '',
    ])
      expect(avatarLocation(bad, gw), bad).toBeUndefined();
  });
});
