// The content script: injects the main-world script, relays the background's tab messages to it, and relays
// window.xmtp requests from the page to the background over a runtime port (dapp/relay.ts).
import browser from 'webextension-polyfill';
import { startDappRelay } from '@/extension/dapp/relay';
import { DAPP_PORT } from '@/extension/messages/dapp';
import { isRequest } from '@/extension/messages/envelope';
import { TAB_MESSAGE_TYPES, type TabMessages } from '@/extension/messages/content';
import { createPageRelay } from '@/extension/wallet/page-bridge';

export function startContentRelay(win: Window): void {
  const page = ownRealmMessages(win);
  const relay = createPageRelay(page);
  browser.runtime.onMessage.addListener((message: unknown, sender: browser.Runtime.MessageSender) => {
    if (sender.id !== browser.runtime.id || !isRequest<TabMessages>(TAB_MESSAGE_TYPES, message))
      return undefined;
    return relay(message);
  });
  startDappRelay(page, () => browser.runtime.connect({ name: DAPP_PORT }));
}

/** Our namespaces on the page's postMessage channel (messages/page.ts, messages/dapp.ts). */
const OUR_CHANNEL = /^xmtp-inbox\//;

/**
 * The page's window as the relays use it (location, postMessage, message listeners), except that the data of a
 * message in our namespace is cloned into this script's realm before a listener sees it.
 *
 * Firefox hands a content script the page's objects through Xray wrappers: a message's `data` is an object of the
 * page's realm, whose prototype is the page's Object.prototype, not ours, so the plain-JSON check on window.xmtp
 * params (messages/dapp.ts `isJsonValue`) refused every request that had params ("params must be plain JSON").
 * A structured clone made here has our prototypes (and keeps a Map a Map, so the check still refuses it). Chrome's
 * isolated world already receives its own copy; the extra clone costs it nothing visible.
 */
export function ownRealmMessages(win: Window): Window {
  const wrapped = new WeakMap<EventListenerOrEventListenerObject, EventListener>();
  const view = {
    get location() {
      return win.location;
    },
    postMessage: (message: unknown, targetOrigin: string) => win.postMessage(message, targetOrigin),
    addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: unknown) {
      if (type !== 'message') return win.addEventListener(type, listener, options as AddEventListenerOptions);
      const call = (event: Event) =>
        typeof listener === 'function' ? listener(event) : listener.handleEvent(event);
      const onMessage: EventListener = (event) => {
        const message = event as MessageEvent;
        if (message.source !== win) return; // the relays take only the page's own messages anyway
        call({ source: view, origin: message.origin, data: ownCopy(message.data) } as unknown as Event);
      };
      wrapped.set(listener, onMessage);
      win.addEventListener('message', onMessage, options as AddEventListenerOptions);
    },
    removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: unknown) {
      const actual = type === 'message' ? wrapped.get(listener) : listener;
      if (actual) win.removeEventListener(type, actual, options as EventListenerOptions);
    },
  };
  return view as unknown as Window;
}

function ownCopy(data: unknown): unknown {
  if (!data || typeof data !== 'object') return data;
  const channel = (data as { channel?: unknown }).channel;
  if (typeof channel !== 'string' || !OUR_CHANNEL.test(channel)) return data;
  try {
    return structuredClone(data);
  } catch {
    return data; // not cloneable without its transfer list (a MessagePort…): the checks refuse it as it is
  }
}
