// The background side of window.xmtp: one runtime port per page (from its content script), the approval window,
// and the admin map for that window and settings. The origin of every call is the port sender's — never a value
// from the payload — and only our own content scripts and extension pages are listened to (issue #6).
import browser from 'webextension-polyfill';
import type { InboxService } from '@/extension/inbox/contract';
import { dispatch, isRequest } from '@/extension/messages/envelope';
import type { KeyValueArea } from '@/extension/storage-area';
import {
  DAPP_ADMIN_MESSAGE_TYPES,
  DAPP_PORT,
  parsePortCall,
  RPC_ERRORS,
  type DappAdminMessages,
  type PortMessage,
} from '@/extension/messages/dapp';
import { createAdminHandlers } from './admin-handlers';
import { createDappApi } from './api';
import { createApprovals } from './approvals';
import { toRpcError } from './errors';
import { createDappEvents, type DappConnection } from './events';
import { createPermissionStore } from './permissions';
import { fromExtensionPage, senderOrigin } from './sender';

/** `grants`: where the active account keeps its dapp grants (each account has its own). */
export function installDappApi(service: InboxService, grants: KeyValueArea) {
  const permissions = createPermissionStore(grants);
  const approvals = createApprovals({
    async open(id) {
      const created = await browser.windows.create({
        url: browser.runtime.getURL(`/approve.html?id=${id}`),
        type: 'popup',
        width: 400,
        height: 620,
        focused: true,
      });
      return created.id;
    },
    close: (windowId) => browser.windows.remove(windowId),
  });
  browser.windows.onRemoved.addListener((windowId) => approvals.windowClosed(windowId));
  const events = createDappEvents({ service, permissions });
  // Another account is active (switched, added, or the one before signed out, which forgot its grants): a prompt
  // asked for the one before must not grant this one, and every page now has this account's grants.
  service.subscribe((update) => {
    if (update.kind !== 'accounts' || !update.switched) return;
    approvals.cancelAll('the active account changed in XMTP Inbox: ask again');
    void events.accountChanged().catch(() => undefined);
  });
  const api = createDappApi({ service, permissions, approvals, events });

  browser.runtime.onConnect.addListener((port) => {
    if (port.name !== DAPP_PORT) return;
    const origin = senderOrigin(port.sender, browser.runtime.id);
    if (!origin) return port.disconnect();
    let open = true;
    const post = (message: PortMessage) => {
      if (open) port.postMessage(message);
    };
    const connection: DappConnection = {
      origin,
      ...(port.sender?.tab?.id === undefined ? {} : { tabId: port.sender.tab.id }),
      send: (event, data) => post({ event, data }),
    };
    events.connect(connection);
    port.onMessage.addListener((message: unknown) => {
      const call = parsePortCall(message);
      if (!call) {
        const id = (message as { id?: unknown } | null)?.id;
        if (typeof id === 'number') {
          post({ id, error: { code: RPC_ERRORS.invalidRequest, message: 'malformed request' } });
        }
        return;
      }
      // A page's request is not the user's activity: counting it would let a page that polls keep the inbox
      // unlocked forever (issue #21). Only the popup and the answers in the approval window reset the timer.
      api(connection, call.method, call.params).then(
        (result) => post({ id: call.id, result: result === undefined ? null : result }),
        (error) => post({ id: call.id, error: toRpcError(error) }),
      );
    });
    port.onDisconnect.addListener(() => {
      open = false;
      events.disconnect(connection);
    });
  });

  const admin = createAdminHandlers(
    approvals,
    permissions,
    () => void service.touch().catch(() => undefined),
  );
  browser.runtime.onMessage.addListener((message: unknown, sender: browser.Runtime.MessageSender) => {
    if (
      !isRequest<DappAdminMessages>(DAPP_ADMIN_MESSAGE_TYPES, message) ||
      !fromExtensionPage(sender, browser.runtime.id, browser.runtime.getURL('/'))
    )
      return undefined;
    return dispatch(admin, message, undefined);
  });
  return { permissions, approvals };
}
