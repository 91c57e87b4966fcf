// Composition of the background service worker: real browser storage, IndexedDB, alarms and tabs behind the
// injected interfaces, the popup map served over runtime messages, updates over a runtime port.
import browser from 'webextension-polyfill';
import type { WebSocketConstructor } from '@/client/api';
import {
  forgetAccountStorage,
  openAccountSpace,
  type SpaceEnvironment,
} from '@/extension/accounts/account-space';
import { createAccounts } from '@/extension/accounts/accounts';
import type { MultiAccountInbox } from '@/extension/accounts/contract';
import { UNMUTE_ALARM_PREFIX } from '@/extension/accounts/space-names';
import type { InboxCache } from '@/extension/cache/cache';
import { sharedWebSocket } from '@/extension/client/shared-socket';
import { createXmtpClientAdapter } from '@/extension/client/xmtp-adapter';
import { fromExtensionPage } from '@/extension/dapp/sender';
import { installDappApi } from '@/extension/dapp/install-dapp-api';
import { dispatch, isRequest } from '@/extension/messages/envelope';
import { POPUP_UPDATES_PORT, type PopupMessages } from '@/extension/messages/popup';
import { createPopupHandlers } from '@/extension/messages/popup-handlers';
import { installAutoLock, type AutoLock } from '@/extension/vault/auto-lock';
import type { Vault } from '@/extension/vault/vault';
import { createTabWallet } from '@/extension/wallet/tab-wallet';

export interface BackgroundHandle {
  /** The inbox of the active account (and the accounts beside it). */
  service: MultiAccountInbox;
  /** The active account's vault and cache (the e2e tests seed them). */
  readonly vault: Vault;
  readonly cache: InboxCache;
  autoLock: AutoLock;
}

export function startBackground(): MultiAccountInbox {
  const local = browser.storage.local;
  const wallet = createTabWallet({
    queryTabs: () => browser.tabs.query({ url: ['http://*/*', 'https://*/*'] }),
    sendToTab: (tabId, request) => browser.tabs.sendMessage(tabId, request),
  });
  // Notifications are for messages that arrive while the popup is closed (issue #5): an open popup holds at
  // least one update port.
  let popupPorts = 0;
  const notify = (id: string, title: string, message: string) => {
    if (popupPorts > 0) return;
    void accounts
      .label(id)
      .then((label) =>
        browser.notifications?.create({
          type: 'basic',
          iconUrl: browser.runtime.getURL('/icon/128.png'),
          title: label ? `${title} · for ${label}` : title,
          message,
        }),
      )
      .catch(() => undefined);
  };

  // Every account's client streams over one WebSocket per node (client/shared-socket.ts).
  const sockets = sharedWebSocket(WebSocket as unknown as WebSocketConstructor);
  // Each account over its own vault, caches and storage (accounts/space-names.ts).
  const environment: SpaceEnvironment = {
    indexedDB,
    local,
    session: browser.storage.session,
    wallet,
    fetch: (input, init) => fetch(input, init),
    adapter: (persistence) => createXmtpClientAdapter({ persistence, WebSocket: sockets.WebSocket }),
    notify,
    // All of them, not only this worker's: a restarted worker must also clear what its predecessor showed.
    clearNotifications: () =>
      void browser.notifications
        ?.getAll()
        .then((shown) => Promise.all(Object.keys(shown).map((id) => browser.notifications.clear(id))))
        .catch(() => undefined),
    scheduleAlarm: (alarm, at) =>
      void (
        at === undefined ? browser.alarms.clear(alarm) : browser.alarms.create(alarm, { when: at })
      ).catch(() => undefined),
  };

  const accounts = createAccounts({
    local,
    openSpace: (id) => openAccountSpace(id, environment),
    // Its dapp grants go with it (connected pages hear of the switch that follows), and so does whatever else an
    // added account kept under its prefix (settings, sync cursor).
    onRemoved: (space) => forgetAccountStorage(browser.storage.local, space),
  });
  const service = accounts.inbox;
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name.startsWith(UNMUTE_ALARM_PREFIX)) void service.expireMutes().catch(() => undefined);
  });
  const handlers = createPopupHandlers(service);
  const popupTypes = Object.keys(handlers) as (keyof PopupMessages)[];
  // window.xmtp for dapp pages: its port, approval window and connected sites (src/extension/dapp), with the
  // grants of whichever account is active.
  installDappApi(service, accounts.activeLocal);

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
    const { vault, cache } = await accounts.active();
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
    if (update.kind === 'conversations' || update.kind === 'state' || update.kind === 'accounts')
      updateBadge();
  });

  // A handle for the worker's devtools console and the e2e tests (they seed the cache through the real modules).
  // Only code already running inside the extension's worker can reach it.
  const handle: BackgroundHandle = {
    service,
    get vault() {
      return accounts.current().vault;
    },
    get cache() {
      return accounts.current().cache;
    },
    autoLock: { check: async () => false },
  };
  (globalThis as unknown as { xmtpInbox: BackgroundHandle }).xmtpInbox = handle;

  // A stopped worker starts again for any event (alarm, message, port): pick every account's streams up where
  // they were.
  void service.resume().catch(() => undefined);
  void service.expireMutes().catch(() => undefined);
  updateBadge();

  handle.autoLock = installAutoLock(
    browser.alarms,
    { lockIfIdle: async (idleMs) => (await accounts.active()).vault.lockIfIdle(idleMs) },
    async () => (await service.getSettings()).autoLockMinutes,
    () => void service.lock(),
  );
  return service;
}
