// The popup's only channel to the background: the typed popup map (messages/popup.ts) over runtime messages,
// and InboxUpdate events over a runtime port that reconnects when the service worker restarts.
import browser from 'webextension-polyfill';
import type { InboxUpdate } from '@/extension/inbox-service';
import { createCaller } from '@/extension/messages/envelope';
import { POPUP_UPDATES_PORT, type PopupMessages } from '@/extension/messages/popup';

export const call = createCaller<PopupMessages>((request) => browser.runtime.sendMessage(request));

export function subscribeUpdates(listener: (update: InboxUpdate) => void): () => void {
  let stopped = false;
  let port: browser.Runtime.Port | undefined;
  const connect = () => {
    if (stopped) return;
    port = browser.runtime.connect({ name: POPUP_UPDATES_PORT });
    port.onMessage.addListener((update) => listener(update as InboxUpdate));
    port.onDisconnect.addListener(() => {
      // The worker stopped (idle or update): reconnect, and let the screen reload what it shows.
      setTimeout(connect, 500);
      listener({ kind: 'state' });
    });
  };
  connect();
  return () => {
    stopped = true;
    port?.disconnect();
  };
}
