import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createInboxCache } from '@/extension/cache/cache';
import { CONTENT_TYPES } from '@/extension/cache/records';
import { createDappApi } from '@/extension/dapp/api';
import { createApprovals } from '@/extension/dapp/approvals';
import { createDappEvents, type DappConnection } from '@/extension/dapp/events';
import { createPermissionStore } from '@/extension/dapp/permissions';
import { noClientAdapter } from '../../helpers/no-client';
import { createInboxService } from '@/extension/inbox/service';
import type { DappMethod } from '@/extension/messages/dapp';
import { createMemoryArea } from '../../helpers/memory-area';
import { createVault } from '@/extension/vault/vault';
import { createTabWallet } from '@/extension/wallet/tab-wallet';
import { testCacheKeys } from '../cache/test-keys';

const SELF = '0x5A0b54D5dc17e0AadC383d2db43B0a0D3E029c4c';
const PEER = '0x2222222222222222222222222222222222222222';
const PASSWORD = 'correct horse battery';
const SHOP = { topic: '/xmtp/0/m-shop/proto', conversationId: 'shop.example/orders/1' };
const OTHER = { topic: '/xmtp/0/m-other/proto', conversationId: 'other.example/1' };
const PLAIN = { topic: '/xmtp/0/m-plain/proto' };

// The dapp API over the real inbox service (vault, cache, settings in memory, the build's offline client), the
// real permission store, approvals and events. The approval window is the browser's: here a recorder of what
// would be opened and closed.
async function setup() {
  const indexedDB = new IDBFactory();
  const vault = createVault({ indexedDB, session: createMemoryArea() });
  const cache = createInboxCache({ keys: testCacheKeys(), indexedDB });
  const local = createMemoryArea();
  const service = createInboxService({
    vault,
    cache,
    local,
    adapter: noClientAdapter,
    wallet: createTabWallet({ queryTabs: async () => [], sendToTab: async () => undefined }),
    fetch: async () => new Response(''),
  });
  await vault.create('c3RhbmQtaW4=', PASSWORD);
  await local.set({ account: { address: SELF, identity: 'local' } });
  await cache.putConversations(
    [SHOP, OTHER, PLAIN].map((c) => ({ ...c, peerAddress: PEER, createdAt: 1, consent: 'allowed' as const })),
  );
  await cache.addMessages(
    [
      {
        id: 'm1',
        topic: SHOP.topic,
        senderAddress: PEER,
        sentAt: 10,
        contentType: CONTENT_TYPES.text,
        content: 'your order shipped',
        status: 'sent',
      },
    ],
    SELF,
  );
  const permissions = createPermissionStore(local);
  const windows = { opened: [] as string[], closed: [] as number[] };
  // The approvals' clock: a rejected origin waits before it may prompt again (approvals.test.ts).
  const clock = { now: 1_000_000 };
  const approvals = createApprovals(
    {
      async open(id) {
        windows.opened.push(id);
        return 100 + windows.opened.length;
      },
      async close(windowId) {
        windows.closed.push(windowId);
      },
    },
    () => clock.now,
  );
  const events = createDappEvents({ service, permissions });
  const api = createDappApi({ service, permissions, approvals, events });
  const page = (origin: string) => {
    const received: { event: string; data: unknown }[] = [];
    const connection: DappConnection = {
      origin,
      tabId: 7,
      send: (event, data) => received.push({ event, data }),
    };
    return {
      received,
      call: (method: DappMethod, params?: unknown) => api(connection, method, params),
    };
  };
  const tick = () => new Promise((r) => setTimeout(r, 10));
  return { service, cache, vault, permissions, approvals, windows, page, tick, clock };
}

describe('dapp API', () => {
  it('refuses every inbox method before access is granted (4100), and answers permissions with []', async () => {
    const { page } = await setup();
    const site = page('https://shop.example');
    expect(await site.call('xmtp_getPermissions')).toEqual([]);
    for (const method of [
      'xmtp_address',
      'xmtp_canMessage',
      'xmtp_listConversations',
      'xmtp_newConversation',
      'xmtp_getMessages',
      'xmtp_sendMessage',
      'xmtp_getAttachment',
      'xmtp_subscribe',
      'xmtp_linkWallet',
    ] as const) {
      await expect(site.call(method, {}), method).rejects.toMatchObject({ code: 4100 });
    }
  });

  it('asks once per origin: a second prompt gets -32002, rejecting gives 4001, approving grants', async () => {
    const { page, approvals, windows, tick, clock } = await setup();
    const site = page('https://shop.example');
    const first = site.call('xmtp_requestAccess', { capabilities: ['inbox:read'] });
    await tick();
    await expect(site.call('xmtp_requestAccess')).rejects.toMatchObject({ code: -32002 });
    const prompt = approvals.get(windows.opened[0]!);
    expect(prompt).toMatchObject({
      kind: 'access',
      origin: 'https://shop.example',
      capabilities: ['inbox:read'],
    });
    await approvals.answer(windows.opened[0]!, false);
    await expect(first).rejects.toMatchObject({ code: 4001 });
    expect(windows.closed).toEqual([101]);

    clock.now += 60_000; // past the wait after a rejection
    const second = site.call('xmtp_requestAccess', { capabilities: ['inbox:read'] });
    await tick();
    approvals.windowClosed(102);
    await expect(second).rejects.toMatchObject({ code: 4001, message: expect.stringContaining('closed') });
    clock.now += 60_000;

    const third = site.call('xmtp_requestAccess', { capabilities: ['inbox:read'] });
    await tick();
    await approvals.answer(windows.opened[2]!, true);
    expect(await third).toEqual([
      expect.objectContaining({ invoker: 'https://shop.example', parentCapability: 'inbox:read' }),
    ]);
    // The same request again is already covered: no new prompt.
    await site.call('xmtp_requestAccess', { capabilities: ['inbox:read'] });
    expect(windows.opened).toHaveLength(3);
    expect(await site.call('xmtp_address')).toBe(SELF);
    await expect(site.call('xmtp_sendMessage', { topic: SHOP.topic, content: 'hi' })).rejects.toMatchObject({
      code: 4100,
    });
  });

  it('limits a prefix-scoped grant to matching conversations, in lists, reads, sends and new conversations', async () => {
    const { page, permissions } = await setup();
    const site = page('https://shop.example');
    await permissions.grant('https://shop.example', ['inbox:read', 'inbox:send'], 'shop.example/');
    const list = (await site.call('xmtp_listConversations')) as { topic: string }[];
    expect(list.map((c) => c.topic)).toEqual([SHOP.topic]);
    expect(list[0]).toEqual({
      topic: SHOP.topic,
      peerAddress: PEER,
      conversationId: SHOP.conversationId,
      createdAt: 1,
      consent: 'allowed',
    });
    expect(await site.call('xmtp_getMessages', { topic: SHOP.topic })).toEqual([
      expect.objectContaining({ id: 'm1', content: 'your order shipped', status: 'sent' }),
    ]);
    for (const topic of [OTHER.topic, PLAIN.topic, '/xmtp/0/m-unknown/proto']) {
      await expect(site.call('xmtp_getMessages', { topic })).rejects.toMatchObject({ code: 4100 });
      await expect(site.call('xmtp_sendMessage', { topic, content: 'x' })).rejects.toMatchObject({
        code: 4100,
      });
    }
    await expect(site.call('xmtp_newConversation', { peerAddress: PEER })).rejects.toMatchObject({
      code: 4100,
    });
    await expect(
      site.call('xmtp_newConversation', { peerAddress: PEER, conversationId: 'other.example/2' }),
    ).rejects.toMatchObject({ code: 4100 });

    const unlimited = page('https://mail.example');
    await permissions.grant('https://mail.example', ['inbox:read']);
    expect(((await unlimited.call('xmtp_listConversations')) as unknown[]).length).toBe(3);
    await expect(
      unlimited.call('xmtp_getMessages', { topic: '/xmtp/0/m-unknown/proto' }),
    ).rejects.toMatchObject({
      code: -32602,
    });
  });

  it('gives a page files within its grant: a summary in messages, the bytes on request (issue #16)', async () => {
    const { page, permissions, cache } = await setup();
    const file = (id: string, topic: string) => ({
      id,
      topic,
      senderAddress: PEER,
      sentAt: 20,
      contentType: CONTENT_TYPES.attachment,
      content: { filename: 'receipt.png', mimeType: 'image/png', data: { base64: 'iVBORw0K' } },
      status: 'sent' as const,
    });
    await cache.addMessages([file('f1', SHOP.topic), file('f2', OTHER.topic)], SELF);
    const site = page('https://shop.example');
    await permissions.grant('https://shop.example', ['inbox:read', 'inbox:send'], 'shop.example/');
    const messages = (await site.call('xmtp_getMessages', { topic: SHOP.topic })) as { id: string }[];
    expect(messages.find((m) => m.id === 'f1')).toMatchObject({
      contentType: CONTENT_TYPES.attachment,
      content: { filename: 'receipt.png', mimeType: 'image/png', size: 6, remote: false },
    });
    expect(JSON.stringify(messages)).not.toContain('iVBORw0K');
    expect(await site.call('xmtp_getAttachment', { topic: SHOP.topic, id: 'f1' })).toEqual({
      filename: 'receipt.png',
      mimeType: 'image/png',
      data: 'iVBORw0K',
    });
    // Another conversation's file: not through a granted topic, and not through its own.
    await expect(site.call('xmtp_getAttachment', { topic: SHOP.topic, id: 'f2' })).rejects.toMatchObject({
      code: -32002,
      message: expect.stringContaining('unknown_message'),
    });
    await expect(site.call('xmtp_getAttachment', { topic: OTHER.topic, id: 'f2' })).rejects.toMatchObject({
      code: 4100,
    });
    // Sending checks the same limits as the popup, before anything is sent.
    await expect(
      site.call('xmtp_sendMessage', {
        topic: SHOP.topic,
        content: {
          type: 'attachment',
          filename: 'x.bin',
          mimeType: 'application/octet-stream',
          data: 'A'.repeat(36_000_000),
        },
      }),
    ).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('data') });
    await expect(
      site.call('xmtp_sendMessage', {
        topic: SHOP.topic,
        content: { type: 'attachment', filename: 'x.bin', data: 'AAAA' },
      }),
    ).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('mimeType') });
  });

  it('fails at once with 4900 while the inbox is locked, and works again after unlock', async () => {
    const { page, permissions, service } = await setup();
    const site = page('https://shop.example');
    await permissions.grant('https://shop.example', ['inbox:read']);
    await service.lock();
    await expect(site.call('xmtp_listConversations')).rejects.toMatchObject({
      code: 4900,
      message: expect.stringContaining('locked'),
    });
    expect(await site.call('xmtp_getPermissions')).toHaveLength(1);
    await service.unlock(PASSWORD);
    expect(((await site.call('xmtp_listConversations')) as unknown[]).length).toBe(3);
  });

  it('reports a send the network refused as an error, not a message', async () => {
    const { page, permissions } = await setup();
    const site = page('https://shop.example');
    await permissions.grant('https://shop.example', ['inbox:send']);
    await expect(site.call('xmtp_sendMessage', { topic: SHOP.topic, content: 'hi' })).rejects.toMatchObject({
      code: -32603,
      message: expect.stringContaining('could not be sent'),
    });
  });

  it('sends a (re)subscribing page the messages of the last moments it has not had yet', async () => {
    const { page, permissions, cache, tick } = await setup();
    const site = page('https://shop.example');
    await permissions.grant('https://shop.example', ['inbox:read']);
    await cache.addMessages(
      [
        {
          id: 'gap1',
          topic: SHOP.topic,
          senderAddress: PEER,
          sentAt: Date.now() - 2_000,
          contentType: CONTENT_TYPES.text,
          content: 'while the worker restarted',
          status: 'sent',
        },
      ],
      SELF,
    );
    await site.call('xmtp_subscribe', { events: ['message'] });
    await tick();
    await site.call('xmtp_subscribe', { events: ['message'] });
    await tick();
    expect(site.received).toEqual([{ event: 'message', data: expect.objectContaining({ id: 'gap1' }) }]);
  });

  it('lets a dapp start linking only when there is no identity, else tells a granted origin the address', async () => {
    const { page, permissions, approvals, windows, service, tick } = await setup();
    const site = page('https://shop.example');
    await permissions.grant('https://shop.example', ['inbox:read']);
    expect(await site.call('xmtp_linkWallet')).toEqual({ address: SELF, created: false });
    await service.signOut();
    const linking = site.call('xmtp_linkWallet');
    await tick();
    expect(approvals.get(windows.opened[0]!)).toMatchObject({
      kind: 'linkWallet',
      origin: 'https://shop.example',
    });
    // A weak password goes back to the window, which stays open to try again.
    await expect(approvals.answer(windows.opened[0]!, true, { password: 'short' })).rejects.toMatchObject({
      code: 'weak_password',
    });
    expect(approvals.get(windows.opened[0]!)).not.toBeNull();
    // The offline build cannot reach a wallet's network: the failure reaches the window too.
    await expect(approvals.answer(windows.opened[0]!, true, { password: PASSWORD })).rejects.toBeTruthy();
    await approvals.answer(windows.opened[0]!, false);
    await expect(linking).rejects.toMatchObject({ code: 4001 });
  });
});
