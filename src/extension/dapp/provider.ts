// window.xmtp, defined in the page's main world: an EIP-1193-style provider (request, on, removeListener) that
// talks to the content script over namespaced same-window messages, and announces itself EIP-6963-style on
// `xmtp:announceProvider` with our own rdns (https://eips.ethereum.org/EIPS/eip-6963). It never touches
// window.ethereum or wallet events, and never replaces a window.xmtp that is already there.
import {
  PAGE_DAPP_CHANNEL,
  RPC_ERRORS,
  type PageDappRequest,
  type RpcErrorData,
} from '@/extension/messages/dapp';

export interface XmtpProvider {
  readonly isXmtpInbox: true;
  request(args: { method: string; params?: unknown }): Promise<unknown>;
  on(event: string, listener: (data: unknown) => void): XmtpProvider;
  removeListener(event: string, listener: (data: unknown) => void): XmtpProvider;
}

export const PROVIDER_INFO = Object.freeze({
  uuid: crypto.randomUUID(),
  name: 'XMTP Inbox',
  // A speech bubble, as a data URI (EIP-6963 asks for one).
  icon:
    'data:image/svg+xml;base64,' +
    btoa(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#fc4f37"/><path d="M8 9h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2h-9l-5 4v-4H8a2 2 0 0 1-2-2v-9a2 2 0 0 1 2-2z" fill="#fff"/></svg>',
    ),
  rdns: 'org.xmtp-inbox',
});

/** An Error with an EIP-1193 `code`, as wallets reject with. */
function rpcError({ code, message }: RpcErrorData): Error & { code: number } {
  return Object.assign(new Error(message), { code });
}

function newId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}

export function createXmtpProvider(win: Window): XmtpProvider {
  const pending = new Map<string, { resolve(value: unknown): void; reject(error: unknown): void }>();
  const listeners = new Map<string, Set<(data: unknown) => void>>();

  win.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== win || event.origin !== win.location.origin) return;
    const data = event.data as Record<string, unknown> | null;
    if (!data || typeof data !== 'object' || data.channel !== PAGE_DAPP_CHANNEL) return;
    if (data.direction === 'response' && typeof data.id === 'string') {
      const waiting = pending.get(data.id);
      if (!waiting) return;
      pending.delete(data.id);
      if (data.error && typeof data.error === 'object') waiting.reject(rpcError(data.error as RpcErrorData));
      else waiting.resolve(data.result);
    } else if (data.direction === 'event' && typeof data.event === 'string') {
      for (const listener of [...(listeners.get(data.event) ?? [])]) {
        try {
          listener(data.data);
        } catch (error) {
          // A page's listener failing must not stop the others (as Node's EventEmitter would).
          setTimeout(() => {
            throw error;
          });
        }
      }
    }
  });

  const provider: XmtpProvider = {
    isXmtpInbox: true,
    request(args) {
      if (!args || typeof args !== 'object' || typeof args.method !== 'string' || !args.method) {
        return Promise.reject(
          rpcError({
            code: RPC_ERRORS.invalidRequest,
            message: 'request expects { method: string, params? }',
          }),
        );
      }
      const id = newId();
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        const message: PageDappRequest = {
          channel: PAGE_DAPP_CHANNEL,
          direction: 'request',
          id,
          method: args.method,
          ...(args.params === undefined ? {} : { params: args.params }),
        };
        try {
          win.postMessage(message, win.location.origin);
        } catch (error) {
          // Params that cannot be cloned (functions, DOM nodes) never leave the page.
          pending.delete(id);
          reject(
            rpcError({ code: RPC_ERRORS.invalidParams, message: `params cannot be sent: ${String(error)}` }),
          );
        }
      });
    },
    on(event, listener) {
      if (typeof listener !== 'function') throw new TypeError('listener must be a function');
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return provider;
    },
    removeListener(event, listener) {
      listeners.get(event)?.delete(listener);
      return provider;
    },
  };
  return Object.freeze(provider);
}

/** Defines window.xmtp (non-writable, unless a window.xmtp exists already) and announces the provider. */
export function installXmtpProvider(win: Window): XmtpProvider {
  const provider = createXmtpProvider(win);
  if (!('xmtp' in win)) {
    Object.defineProperty(win, 'xmtp', {
      value: provider,
      writable: false,
      configurable: false,
      enumerable: true,
    });
  }
  const announce = () =>
    win.dispatchEvent(
      new CustomEvent('xmtp:announceProvider', { detail: Object.freeze({ info: PROVIDER_INFO, provider }) }),
    );
  win.addEventListener('xmtp:requestProvider', announce);
  announce();
  win.dispatchEvent(new Event('xmtp#initialized'));
  return provider;
}
