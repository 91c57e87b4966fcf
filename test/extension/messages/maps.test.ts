import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { openAccountSpace, type SpaceEnvironment } from '@/extension/accounts/account-space';
import { createAccounts } from '@/extension/accounts/accounts';
import { TAB_MESSAGE_TYPES, type TabMessages } from '@/extension/messages/content';
import { createCaller, dispatch, type Handlers } from '@/extension/messages/envelope';
import { isPageReply, isPageRequest, newRequestId, PAGE_CHANNEL } from '@/extension/messages/page';
import type { PopupMessages } from '@/extension/messages/popup';
import { createPopupHandlers } from '@/extension/messages/popup-handlers';
import { noClientAdapter } from '../../helpers/no-client';
import { createMemoryArea } from '../../helpers/memory-area';
import { createTabWallet } from '@/extension/wallet/tab-wallet';
import { createWalletHandlers } from '@/extension/wallet/page-wallet';

// One sample request per message: the type makes a new message without a sample a compile error.
const POPUP_SAMPLES: { [K in keyof PopupMessages]: PopupMessages[K]['request'] } = {
  'state.get': {},
  'accounts.list': {},
  'accounts.switch': { id: 'main' },
  'accounts.add': { method: 'local', password: 'a long password', nodes: ['http://localhost:5555'] },
  'node.check': { url: 'http://127.0.0.1:9' },
  'wallet.tabs': {},
  'wallet.sign': {
    tabId: 7,
    text: 'XMTP : Enable Identity\nab\n\nFor more info: https://xmtp.org/signatures/',
  },
  'onboarding.linkWallet': { tabId: 7, password: 'a long password', nodes: ['http://localhost:5555'] },
  'onboarding.createLocal': { password: 'a long password', nodes: ['http://localhost:5555'] },
  'onboarding.importKey': {
    password: 'a long password',
    nodes: ['http://localhost:5555'],
    keyBundle: 'CgA=',
  },
  'onboarding.restoreBackup': { text: '{}', password: 'a long password' },
  'backup.export': { password: 'a long password', includeMessages: true },
  'vault.unlock': { password: 'a long password' },
  'vault.lock': {},
  'vault.changePassword': { oldPassword: 'a long password', newPassword: 'another password' },
  'account.signOut': {},
  'conversations.list': {},
  'conversations.get': { topic: '/xmtp/0/m-abc/proto' },
  'conversations.new': { peerAddress: '0x2222222222222222222222222222222222222222', conversationId: 'x/1' },
  'conversations.canMessage': { peerAddress: '0x2222222222222222222222222222222222222222' },
  'conversations.setConsent': { topic: '/xmtp/0/m-abc/proto', consent: 'allowed' },
  'conversations.setConsentMany': { allRequests: true, query: 'gm', consent: 'denied' },
  'conversations.counts': { query: 'gm' },
  'conversations.markRead': { topic: '/xmtp/0/m-abc/proto' },
  'conversations.refresh': {},
  'conversations.pin': { topic: '/xmtp/0/m-abc/proto', pinned: true },
  'conversations.mute': { topic: '/xmtp/0/m-abc/proto', duration: '8h' },
  'conversations.archive': { topic: '/xmtp/0/m-abc/proto', archived: true },
  'conversations.markUnread': { topic: '/xmtp/0/m-abc/proto' },
  'conversations.markAllRead': {},
  'conversations.setDraft': { topic: '/xmtp/0/m-abc/proto', text: 'half a thought' },
  'messages.list': { topic: '/xmtp/0/m-abc/proto', limit: 10 },
  'messages.search': { query: 'gm', limit: 20 },
  'messages.send': { topic: '/xmtp/0/m-abc/proto', content: { type: 'text', text: 'gm' } },
  'messages.retry': { id: 'local-1' },
  'attachments.load': { id: 'local-1' },
  'names.known': { addresses: ['0x2222222222222222222222222222222222222222'] },
  'names.resolve': { name: 'alice.eth' },
  'names.avatar': { address: '0x2222222222222222222222222222222222222222' },
  'settings.get': {},
  'settings.update': { autoLockMinutes: 5 },
};

const POPUP_TYPES = Object.keys(POPUP_SAMPLES) as (keyof PopupMessages)[];

/** What Chrome does to a message: structured as JSON, Uint8Arrays turned into plain objects. */
const overTheWire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

function background() {
  const local = createMemoryArea();
  const environment: SpaceEnvironment = {
    indexedDB: new IDBFactory(),
    local,
    session: createMemoryArea(),
    wallet: createTabWallet({
      queryTabs: async () => [],
      sendToTab: async () => ({ error: { code: 'tab_closed', message: 'no tab' } }),
    }),
    fetch: async () => new Response('ok'),
    adapter: () => noClientAdapter,
  };
  const accounts = createAccounts({
    local,
    openSpace: (id) => openAccountSpace(id, environment),
    onRemoved: async () => undefined,
  });
  return createPopupHandlers(accounts.inbox);
}

describe('popup ⇄ background message map', () => {
  it('has exactly one handler per declared message', () => {
    const handlers = background();
    // The map is read off the handlers (one declaration per operation): each is a function, and each has a sample.
    expect(Object.keys(POPUP_SAMPLES).sort()).toEqual(Object.keys(handlers).sort());
    for (const type of POPUP_TYPES) expect(typeof handlers[type]).toBe('function');
  });

  it('answers every message with JSON-safe data, results or errors with a code', async () => {
    const handlers = background();
    for (const type of POPUP_TYPES) {
      const request = { type, payload: POPUP_SAMPLES[type] };
      expect(overTheWire(request)).toEqual(request);
      const reply = await dispatch<PopupMessages, undefined>(handlers, overTheWire(request), undefined);
      expect(overTheWire(reply)).toEqual(reply);
      if ('error' in reply) {
        expect(reply.error.code, type).toMatch(/^[a-z][a-z0-9_]*$/);
        expect(reply.error.message, type).not.toBe('');
      }
    }
  });

  it('reports a locked vault and a missing client as error data, not exceptions', async () => {
    const call = createCaller<PopupMessages>(async (request) =>
      overTheWire(await dispatch<PopupMessages, undefined>(background(), request, undefined)),
    );
    expect(await call('state.get', {})).toMatchObject({ vault: 'empty', online: false });
    await expect(call('conversations.list', {})).rejects.toMatchObject({ code: 'vault_locked' });
    await expect(
      call('onboarding.createLocal', POPUP_SAMPLES['onboarding.createLocal']),
    ).rejects.toMatchObject({
      code: 'client_unavailable',
    });
    await expect(call('onboarding.createLocal', { password: 'short', nodes: [] })).rejects.toMatchObject({
      code: 'weak_password',
    });
    expect(await call('node.check', { url: 'http://127.0.0.1:9/' })).toMatchObject({ ok: true, status: 200 });
    await expect(call('node.check', { url: 'ftp://x' })).rejects.toMatchObject({ code: 'invalid_node_url' });
  });

  it('answers unknown message types with unknown_message', async () => {
    const reply = await dispatch<PopupMessages, undefined>(
      background(),
      { type: 'vault.export', payload: {} },
      undefined,
    );
    expect(reply).toEqual({
      error: { code: 'unknown_message', message: 'unknown message type: vault.export' },
    });
  });
});

describe('background ⇄ content ⇄ page wallet messages', () => {
  it('has one main-world handler per tab message', () => {
    const handlers: Handlers<TabMessages> = createWalletHandlers({
      provider: () => undefined,
      origin: 'x',
      title: 'y',
    });
    expect(Object.keys(handlers).sort()).toEqual([...TAB_MESSAGE_TYPES].sort());
  });

  it('accepts only namespaced page messages with an unguessable id', () => {
    const id = newRequestId();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(
      isPageRequest({ channel: PAGE_CHANNEL, direction: 'to-page', id, type: 'wallet.probe', payload: {} }),
    ).toBe(true);
    expect(isPageReply({ channel: PAGE_CHANNEL, direction: 'to-content', id, reply: { result: [] } })).toBe(
      true,
    );
    expect(
      isPageReply({ channel: PAGE_CHANNEL, direction: 'to-content', id: '1', reply: { result: [] } }),
    ).toBe(false);
    expect(isPageReply({ channel: 'other', direction: 'to-content', id, reply: { result: [] } })).toBe(false);
    expect(isPageReply({ channel: PAGE_CHANNEL, direction: 'to-page', id, type: 'wallet.probe' })).toBe(
      false,
    );
  });
});
