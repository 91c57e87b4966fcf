// Composition of the background service worker: real browser storage, IndexedDB, alarms and tabs behind the
// injected interfaces, the popup map served over runtime messages, updates over a runtime port.
import browser from 'webextension-polyfill';
import { createPayloadCache } from '@/extension/attachments/payload-cache';
import { createInboxCache, type InboxCache } from '@/extension/cache/cache';
import { vaultCacheKeys } from '@/extension/cache/sealing';
import type { ClientAdapter } from '@/extension/client-adapter';
import { createIdbPersistence, vaultPersistenceKey } from '@/extension/client/idb-persistence';
import { createXmtpClientAdapter } from '@/extension/client/xmtp-adapter';
import { fromExtensionPage } from '@/extension/dapp/sender';
import { installDappApi } from '@/extension/dapp/install-dapp-api';
import { createInboxService } from '@/extension/inbox/service';
import type { InboxService } from '@/extension/inbox/contract';
import { dispatch, isRequest } from '@/extension/messages/envelope';
import { POPUP_UPDATES_PORT, type PopupMessages } from '@/extension/messages/popup';
import { createPopupHandlers } from '@/extension/messages/popup-handlers';
import { installAutoLock, type AutoLock } from '@/extension/vault/auto-lock';
import { createVault, type Vault } from '@/extension/vault/vault';
import { createTabWallet } from '@/extension/wallet/tab-wallet';

export interface BackgroundHandle {
  service: InboxService;
  vault: Vault;
  cache: InboxCache;
  autoLock: AutoLock;
}

export function startBackground(adapter?: ClientAdapter): InboxService {
  const vault = createVault({ indexedDB, session: browser.storage.session });
  // The client's cache holds V2 invitation key material: encrypted under a key the vault derives while unlocked.
  adapter ??= createXmtpClientAdapter({
    persistence: createIdbPersistence(indexedDB, { key: vaultPersistenceKey(vault) }),
  });
  // Message texts, drafts and peers are sealed too, under keys that exist only while unlocked (cache/sealing.ts).
  const cache = createInboxCache({ indexedDB, keys: vaultCacheKeys(vault) });
  const wallet = createTabWallet({
    queryTabs: () => browser.tabs.query({ url: ['http://*/*', 'https://*/*'] }),
    sendToTab: (tabId, request) => browser.tabs.sendMessage(tabId, request),
  });
  // Notifications are for messages that arrive while the popup is closed (issue #5): an open popup holds at
  // least one update port.
  let popupPorts = 0;
  // A timed mute ends by an alarm (it wakes a stopped worker); the worker's start checks too, below.
  const UNMUTE_ALARM = 'xmtp-inbox/unmute';
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === UNMUTE_ALARM) void service.expireMutes().catch(() => undefined);
  });
  const service = createInboxService({
    vault,
    cache,
    local: browser.storage.local,
    adapter,
    wallet,
    fetch: (input, init) => fetch(input, init),
    payloads: createPayloadCache(indexedDB),
    notify: (title, message) => {
      if (popupPorts > 0) return;
      void browser.notifications
        ?.create({ type: 'basic', iconUrl: browser.runtime.getURL('/icon/128.png'), title, message })
        .catch(() => undefined);
    },
    // All of them, not only this worker's: a restarted worker must also clear what its predecessor showed.
    clearNotifications: () =>
      void browser.notifications
        ?.getAll()
        .then((shown) => Promise.all(Object.keys(shown).map((id) => browser.notifications.clear(id))))
        .catch(() => undefined),
    scheduleMuteExpiry: (at) =>
      void (
        at === undefined
          ? browser.alarms.clear(UNMUTE_ALARM)
          : browser.alarms.create(UNMUTE_ALARM, { when: at })
      ).catch(() => undefined),
  });
  const handlers = createPopupHandlers(service);
  const popupTypes = Object.keys(handlers) as (keyof PopupMessages)[];
  // window.xmtp for dapp pages: its port, approval window and connected sites (src/extension/dapp).
  installDappApi(service);

  browser.runtime.onMessage.addListener((message: unknown, sender: browser.Runtime.MessageSender) => {
    if (
      !isRequest<PopupMessages>(popupTypes, message) ||
      !fromExtensionPage(sender, browser.runtime.id, browser.runtime.getURL('/'))
    )
      return undefined;
    // The popup is the user's own: its requests are activity for the idle auto-lock (a page's are not, see
    // dapp/install-dapp-api.ts).
    void service.touch();
    return dispatch<PopupMessages, undefined>(handlers, message, undefined);
  });

  browser.runtime.onConnect.addListener((port) => {
    if (
      port.name !== POPUP_UPDATES_PORT ||
      !port.sender ||
      !fromExtensionPage(port.sender, browser.runtime.id, browser.runtime.getURL('/'))
    )
      return;
    const unsubscribe = service.subscribe((update) => port.postMessage(update));
    popupPorts++;
    port.onDisconnect.addListener(() => {
      popupPorts--;
      unsubscribe();
    });
  });

  // The toolbar badge shows unread messages of allowed and unknown senders.
  const action = browser.action ?? browser.browserAction;
  const countForBadge = async () => {
    const unlocked = await vault.isUnlocked();
    const unread = unlocked ? await cache.totalUnread() : 0;
    await action?.setBadgeText({ text: unread > 0 ? String(Math.min(unread, 999)) : '' });
  };
  // A burst of incoming messages asks for many counts: one runs at a time, and whatever asks meanwhile gets one
  // more count after it (which sees every change made before it starts).
  let counting = false;
  let countAgain = false;
  const updateBadge = (): void => {
    if (counting) {
      countAgain = true;
      return;
    }
    counting = true;
    void countForBadge()
      .catch(() => undefined)
      .finally(() => {
        counting = false;
        if (countAgain) {
          countAgain = false;
          updateBadge();
        }
      });
  };
  service.subscribe((update) => {
    if (update.kind === 'conversations' || update.kind === 'state') updateBadge();
  });

  // A handle for the worker's devtools console and the e2e tests (they seed the cache through the real modules).
  // Only code already running inside the extension's worker can reach it.
  const handle: BackgroundHandle = { service, vault, cache, autoLock: { check: async () => false } };
  (globalThis as unknown as { xmtpInbox: BackgroundHandle }).xmtpInbox = handle;

  // A stopped worker starts again for any event (alarm, message, port): pick the streams up where they were.
  void service.resume().catch(() => undefined);
  void service.expireMutes().catch(() => undefined);
  updateBadge();

  handle.autoLock = installAutoLock(
    browser.alarms,
    vault,
    async () => (await service.getSettings()).autoLockMinutes,
    () => void service.lock(),
  );
  return service;
}
