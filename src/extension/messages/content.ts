// The background ⇄ content script boundary (browser.tabs.sendMessage to one tab). The content script relays
// these unchanged to the page's main-world script (page.ts), where the EIP-1193 wallet lives, because extension
// contexts have no `window.ethereum` (docs/design.md §1.1).
import type { Request } from './envelope';

type Empty = Record<string, never>;

export type TabMessages = {
  /** Whether the page has an EIP-1193 wallet (window.ethereum or EIP-6963), and the accounts it already exposes. */
  'wallet.probe': {
    request: Empty;
    response: { available: boolean; accounts: string[]; origin: string; title: string };
  };
  /** eth_requestAccounts: the wallet may ask the user to connect the page. */
  'wallet.requestAccounts': { request: Empty; response: string[] };
  /** personal_sign of a UTF-8 text by `address` (docs/protocol.md §3.4); resolves with the 0x signature. */
  'wallet.personalSign': { request: { address: string; text: string }; response: string };
};

export type TabRequest = Request<TabMessages>;

export const TAB_MESSAGE_TYPES = [
  'wallet.probe',
  'wallet.requestAccounts',
  'wallet.personalSign',
] as const satisfies readonly (keyof TabMessages)[];

/** How long each request may wait for the page: a probe answers at once, a signature waits for the user. */
export const TAB_MESSAGE_TIMEOUT_MS: Record<keyof TabMessages, number> = {
  'wallet.probe': 2_000,
  'wallet.requestAccounts': 120_000,
  'wallet.personalSign': 300_000,
};
