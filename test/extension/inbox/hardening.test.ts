import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createInboxCache } from '@/extension/cache/cache';
import type { ClientAdapter, IdentitySource } from '@/extension/client-adapter';
import { noClientAdapter } from '../../helpers/no-client';
import { createInboxService } from '@/extension/inbox/service';
import { isLoopback, parseNodeUrl } from '@/extension/inbox/settings';
import type { TabMessages } from '@/extension/messages/content';
import { createMemoryArea } from '../../helpers/memory-area';
import { createVault } from '@/extension/vault/vault';
import { createTabWallet } from '@/extension/wallet/tab-wallet';
import { testCacheKeys } from '../cache/test-keys';

// Issue #21, the inbox service's part: node URLs, wallet identities kept out of the network by default, and
// notifications that go away with the lock.
const PASSWORD = 'correct horse battery';
const WALLET = '0x5A0b54D5dc17e0AadC383d2db43B0a0D3E029c4c';

function setup(adapter: ClientAdapter = noClientAdapter) {
  const indexedDB = new IDBFactory();
  const vault = createVault({ indexedDB, session: createMemoryArea() });
  let cleared = 0;
  const service = createInboxService({
    vault,
    cache: createInboxCache({ keys: testCacheKeys(), indexedDB }),
    local: createMemoryArea(),
    adapter,
    // The tab's page: a wallet that answers the probe (the link fails later, at the adapter, by design).
    wallet: createTabWallet({
      queryTabs: async () => [{ id: 3, url: 'https://dapp.example/app', title: 'Dapp' }],
      sendToTab: async (_tabId, request) => {
        const replies: { [K in keyof TabMessages]?: TabMessages[K]['response'] } = {
          'wallet.probe': { available: true, accounts: [WALLET], origin: 'https://dapp.example', title: 'D' },
        };
        return { ok: true, value: replies[request.type as keyof TabMessages] };
      },
    }),
    fetch: async () => new Response(''),
    clearNotifications: () => void cleared++,
  });
  return { service, vault, cleared: () => cleared };
}

describe('node URLs', () => {
  it('need https unless they point at this machine', async () => {
    for (const url of [
      'http://localhost:5555',
      'http://127.0.0.1:9',
      'http://[::1]:5555',
      'http://dev.localhost',
    ]) {
      expect(parseNodeUrl(url)).toBe(url);
    }
    expect(parseNodeUrl('https://node.example/')).toBe('https://node.example');
    for (const url of ['http://node.example', 'http://192.168.1.2:5555', 'http://127.0.0.1.evil.example']) {
      expect(() => parseNodeUrl(url), url).toThrow(expect.objectContaining({ code: 'insecure_node_url' }));
    }
    expect(isLoopback('localhost.example')).toBe(false);
    const { service } = setup();
    await expect(service.updateSettings({ nodes: ['http://node.example'] })).rejects.toMatchObject({
      code: 'insecure_node_url',
      message: expect.stringContaining('https'),
    });
    await expect(service.checkNode('http://node.example')).rejects.toMatchObject({
      code: 'insecure_node_url',
    });
    await expect(
      service.createLocalKey({ password: PASSWORD, nodes: ['http://node.example'] }),
    ).rejects.toMatchObject({ code: 'insecure_node_url' });
  });
});

describe('wallet linking', () => {
  it('keeps the keys off the network unless the user asks for a stored copy', async () => {
    const sources: IdentitySource[] = [];
    const { service } = setup({
      async create(source) {
        sources.push(source);
        throw new Error('stop here: only the source matters');
      },
    });
    const input = { password: PASSWORD, nodes: ['http://localhost:5555'], tabId: 3 };
    await expect(service.linkWallet(input)).rejects.toThrow('stop here');
    await expect(service.linkWallet({ ...input, storeOnNetwork: true })).rejects.toThrow('stop here');
    expect(sources.map((s) => s.kind === 'wallet' && s.storeOnNetwork)).toEqual([false, true]);
  });
});

describe('notifications', () => {
  it('hide message content by default, and are cleared on lock and on sign out', async () => {
    const { service, vault, cleared } = setup();
    expect((await service.getSettings()).notificationContent).toBe(false);
    expect((await service.updateSettings({ notificationContent: true })).notificationContent).toBe(true);
    await vault.create('c3RhbmQtaW4=', PASSWORD);
    await service.lock();
    expect(cleared()).toBe(1);
    await service.signOut();
    expect(cleared()).toBe(2);
  });
});

describe('wallet tabs', () => {
  it("show the tab's origin as the browser reports it, not what the page claims", async () => {
    const signed: string[] = [];
    const wallet = createTabWallet({
      queryTabs: async () => [{ id: 7, url: 'https://real.example/path?q=1', title: 'Real' }],
      sendToTab: async (_tabId, request) => {
        const replies: { [K in keyof TabMessages]?: TabMessages[K]['response'] } = {
          // The page's scripts can make the probe say anything.
          'wallet.probe': {
            available: true,
            accounts: [WALLET],
            origin: 'https://trusted.example',
            title: 'X',
          },
          'wallet.personalSign': `0x${'11'.repeat(65)}`,
        };
        return { result: replies[request.type as keyof TabMessages] };
      },
    });
    const [tab] = await wallet.findTabs();
    expect(tab).toMatchObject({ tabId: 7, origin: 'https://real.example', title: 'Real' });
    const signer = wallet.signer(7, { onSignature: (_purpose, _text, origin) => void signed.push(origin) });
    await signer.signMessage('XMTP : Create Identity');
    expect(signed).toEqual(['https://real.example']);
    await expect(wallet.signer(8).getAddress()).rejects.toMatchObject({ code: 'tab_unreachable' });
  });
});
