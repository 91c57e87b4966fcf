// The content script: injects the main-world script, relays the background's tab messages to it, and relays
// window.xmtp requests from the page to the background over a runtime port (dapp/relay.ts).
import browser from 'webextension-polyfill';
import { startDappRelay } from '@/extension/dapp/relay';
import { DAPP_PORT } from '@/extension/messages/dapp';
import { isRequest } from '@/extension/messages/envelope';
import { TAB_MESSAGE_TYPES, type TabMessages } from '@/extension/messages/content';
import { createPageRelay } from '@/extension/wallet/page-bridge';

export function startContentRelay(win: Window): void {
  const relay = createPageRelay(win);
  browser.runtime.onMessage.addListener((message: unknown, sender: browser.Runtime.MessageSender) => {
    if (sender.id !== browser.runtime.id || !isRequest<TabMessages>(TAB_MESSAGE_TYPES, message))
      return undefined;
    return relay(message);
  });
  startDappRelay(win, () => browser.runtime.connect({ name: DAPP_PORT }));
}
