// The content script's half of window.xmtp: checks every request the page posts (messages/dapp.ts), answers
// malformed ones itself with an error, and forwards well-formed ones over one runtime port to the background.
// When the port drops (the worker restarted), requests in flight fail with 4900 and a subscribed page is
// reconnected and resubscribed.
import {
  DAPP_EVENTS,
  PAGE_DAPP_CHANNEL,
  PAGE_LIMITS,
  parsePageRequest,
  RPC_ERRORS,
  type DappEvent,
  type PageDappEvent,
  type PageDappResponse,
  type PortCall,
  type RpcErrorData,
} from '@/extension/messages/dapp';

/** The part of a runtime port the relay uses. */
export interface RelayPort {
  postMessage(message: PortCall): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
}

const RECONNECT_MS = 500;

export function startDappRelay(win: Window, connect: () => RelayPort): void {
  let port: RelayPort | undefined;
  let nextId = 1;
  const inFlight = new Map<number, { pageId: string; method: string; large?: boolean }>();
  let subscribed: DappEvent[] = [];

  const respond = (id: string | null, outcome: { result: unknown } | { error: RpcErrorData }) => {
    const message: PageDappResponse = { channel: PAGE_DAPP_CHANNEL, direction: 'response', id, ...outcome };
    win.postMessage(message, win.location.origin);
  };

  function onPortMessage(message: unknown) {
    if (!message || typeof message !== 'object') return;
    const value = message as Record<string, unknown>;
    if (typeof value.event === 'string') {
      const event: PageDappEvent = {
        channel: PAGE_DAPP_CHANNEL,
        direction: 'event',
        event: value.event,
        data: value.data,
      };
      win.postMessage(event, win.location.origin);
      return;
    }
    if (typeof value.id !== 'number') return;
    const call = inFlight.get(value.id);
    if (!call) return;
    inFlight.delete(value.id);
    if ('error' in value) {
      const { code, message: text } = (value.error ?? {}) as Partial<RpcErrorData>;
      respond(call.pageId, {
        error: {
          code: typeof code === 'number' ? code : RPC_ERRORS.internal,
          message: typeof text === 'string' ? text : 'error',
        },
      });
      return;
    }
    // Remember subscriptions, to renew them on a new port.
    if (
      (call.method === 'xmtp_subscribe' || call.method === 'xmtp_unsubscribe') &&
      Array.isArray(value.result)
    ) {
      subscribed = DAPP_EVENTS.filter((e) => (value.result as unknown[]).includes(e));
    }
    respond(call.pageId, { result: value.result });
  }

  function ensurePort(): RelayPort {
    if (port) return port;
    const opened = connect();
    port = opened;
    opened.onMessage.addListener(onPortMessage);
    opened.onDisconnect.addListener(() => {
      if (port === opened) port = undefined;
      for (const [id, call] of inFlight) {
        inFlight.delete(id);
        respond(call.pageId, {
          error: {
            code: RPC_ERRORS.disconnected,
            message: 'XMTP Inbox disconnected (it restarted): try again',
          },
        });
      }
      if (subscribed.length) {
        const events = subscribed;
        subscribed = [];
        setTimeout(() => forward(null, 'xmtp_subscribe', { events }), RECONNECT_MS);
      }
    });
    return opened;
  }

  /** Sends a call to the background; `pageId` null for the relay's own calls (a renewal), whose answer is dropped. */
  function forward(pageId: string | null, method: PortCall['method'], params: unknown, large = false) {
    const id = nextId++;
    if (pageId !== null) inFlight.set(id, { pageId, method, large });
    try {
      ensurePort().postMessage({ id, method, params });
      if (pageId === null) subscribed = (params as { events: DappEvent[] }).events;
    } catch {
      inFlight.delete(id);
      if (pageId !== null) {
        respond(pageId, { error: { code: RPC_ERRORS.disconnected, message: 'XMTP Inbox is not reachable' } });
      }
    }
  }

  win.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== win || event.origin !== win.location.origin) return;
    const parsed = parsePageRequest(event.data);
    if (!parsed) return;
    if (!parsed.ok) return respond(parsed.id, { error: parsed.error });
    if (inFlight.size >= PAGE_LIMITS.inFlight) {
      return respond(parsed.id, {
        error: {
          code: RPC_ERRORS.limitExceeded,
          message: `too many requests in flight (limit ${PAGE_LIMITS.inFlight})`,
        },
      });
    }
    const large = [...inFlight.values()].filter((call) => call.large).length;
    if (parsed.large && large >= PAGE_LIMITS.largeInFlight) {
      return respond(parsed.id, {
        error: {
          code: RPC_ERRORS.limitExceeded,
          message: `too many files being sent at once (limit ${PAGE_LIMITS.largeInFlight}): wait for one to finish`,
        },
      });
    }
    forward(parsed.id, parsed.method, parsed.params, parsed.large);
  });
}
