// The popup's only channel to the background: the typed popup map (messages/popup.ts) over runtime messages,
// and InboxUpdate events over a runtime port that reconnects when the service worker restarts.
import browser from 'webextension-polyfill';
import type { InboxUpdate } from '@/extension/inbox/contract';
import { createCaller } from '@/extension/messages/envelope';
import { POPUP_UPDATES_PORT, type PopupMessages } from '@/extension/messages/popup';

export const call = createCaller<PopupMessages>((request) => browser.runtime.sendMessage(request));

export function subscribeUpdates(listener: (update: InboxUpdate) => void): () => void {
  let stopped = false;
  let port: browser.Runtime.Port | undefined;
  const connect = (again: boolean) => {
    if (stopped) return;
    port = browser.runtime.connect({ name: POPUP_UPDATES_PORT });
    port.onMessage.addListener((update) => listener(update as InboxUpdate));
    // The worker stopped (idle or update): reconnect, which wakes it.
    port.onDisconnect.addListener(() => setTimeout(() => connect(true), 500));
    // Only once connected again does the screen reload what it shows: updates the restarted worker sends from
    // now on (its catch-up) reach us, and whatever it did before is in the reload. Reloading at the disconnect
    // instead lost a catch-up that finished before the new port was up.
    if (again) listener({ kind: 'state' });
  };
  connect(false);
  return () => {
    stopped = true;
    port?.disconnect();
  };
}
