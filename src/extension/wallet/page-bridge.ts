// Both ends of the content script ⇄ main world hop (messages/page.ts). Messages are accepted only from the
// same window and origin, in our namespace; the content script accepts only replies to ids it is waiting for.
import { dispatch, type Handlers, type Reply } from '@/extension/messages/envelope';
import { TAB_MESSAGE_TIMEOUT_MS, type TabMessages, type TabRequest } from '@/extension/messages/content';
import {
  isPageReply,
  isPageRequest,
  newRequestId,
  PAGE_CHANNEL,
  type PageReply,
  type PageRequest,
} from '@/extension/messages/page';

/** Main world: answers page requests with the wallet handlers. Returns a function that stops listening. */
export function servePageRequests(win: Window, handlers: Handlers<TabMessages>): () => void {
  const listener = (event: MessageEvent) => {
    if (event.source !== win || event.origin !== win.location.origin || !isPageRequest(event.data)) return;
    const { id, type, payload } = event.data;
    void dispatch(handlers, { type, payload }, undefined).then((reply) => {
      const message: PageReply = { channel: PAGE_CHANNEL, direction: 'to-content', id, reply };
      win.postMessage(message, win.location.origin);
    });
  };
  win.addEventListener('message', listener);
  return () => win.removeEventListener('message', listener);
}

/** Content script: relays one tab request to the main world and resolves with its Reply (or a timeout error). */
export function createPageRelay(win: Window): (request: TabRequest) => Promise<Reply<unknown>> {
  const pending = new Map<string, (reply: Reply<unknown>) => void>();
  win.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== win || event.origin !== win.location.origin || !isPageReply(event.data)) return;
    const resolve = pending.get(event.data.id);
    if (!resolve) return;
    pending.delete(event.data.id);
    resolve(event.data.reply);
  });
  return (request) =>
    new Promise((resolve) => {
      const id = newRequestId();
      const timeoutMs = TAB_MESSAGE_TIMEOUT_MS[request.type] ?? 5_000;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve({
          error: {
            code: 'page_timeout',
            message: `the page did not answer ${request.type} in ${timeoutMs} ms`,
          },
        });
      }, timeoutMs);
      pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      const message: PageRequest = {
        channel: PAGE_CHANNEL,
        direction: 'to-page',
        id,
        type: request.type,
        payload: request.payload,
      };
      win.postMessage(message, win.location.origin);
    });
}
