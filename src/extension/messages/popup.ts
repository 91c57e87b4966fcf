// The popup ⇄ background boundary: the map the popup calls through (derived from the background's handlers, where
// each operation is declared), the update port and the channel marker.
import type { PopupHandlers } from './popup-handlers';

/**
 * The popup ⇄ background map, read off the handlers (popup-handlers.ts), where each operation is declared once
 * with its request; the response is what the handler resolves to.
 */
export type PopupMessages = {
  [K in keyof PopupHandlers]: {
    request: Parameters<PopupHandlers[K]>[0];
    response: Awaited<ReturnType<PopupHandlers[K]>>;
  };
};

/** The runtime port the popup opens to receive InboxUpdate events. */
export const POPUP_UPDATES_PORT = 'xmtp-inbox/updates';
