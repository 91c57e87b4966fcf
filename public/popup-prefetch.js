// Runs before the popup's module bundle (a classic script in popup.html's head, parsed and run at once): starts
// the two requests the first screen needs — the vault state and the first screen of conversations — so their
// round trips to the service worker overlap loading and evaluating the bundle (npm run bench -- extension).
// src/ui/prefetch.ts takes these replies; the message shapes are the popup map's (messages/popup.ts).
(() => {
  // The first moment any of our code runs: the benchmark's floor (what navigation alone costs).
  performance.mark('xmtp-inbox:prefetch-start');
  const runtime = (globalThis.browser ?? globalThis.chrome)?.runtime;
  if (!runtime?.sendMessage) return;
  const send = (type, payload) => {
    try {
      return Promise.resolve(runtime.sendMessage({ type, payload })).catch(() => undefined);
    } catch {
      return Promise.resolve(undefined);
    }
  };
  globalThis.xmtpInboxPrefetch = {
    state: send('state.get', {}),
    // The inbox view's first rows (src/ui/use-conversation-list.ts asks the same, then pages on).
    conversations: send('conversations.list', { view: 'inbox', limit: 30 }),
  };
})();
