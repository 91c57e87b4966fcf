// The background's view of wallets on web pages: it finds tabs whose page has an EIP-1193 wallet and builds a
// Signer that routes personal_sign to one of them through its content script (messages/content.ts). The origin
// the popup shows is the browser's (the tab's URL), never what the page's scripts report about themselves.
import { ExtensionError } from '@/extension/errors';
import { unwrap } from '@/extension/messages/envelope';
import type { TabMessages, TabRequest } from '@/extension/messages/content';
import type { WalletTab } from '@/extension/inbox/contract';
import { checksumAddress } from './address';
import { signaturePurpose, type SignaturePurpose, type Signer } from './signer';

export interface TabInfo {
  id?: number;
  url?: string;
  title?: string;
  active?: boolean;
}

export interface TabWalletDeps {
  /** Tabs that may hold a page with a wallet (http and https). */
  queryTabs(): Promise<TabInfo[]>;
  /** browser.tabs.sendMessage: resolves with the content script's Reply. */
  sendToTab(tabId: number, request: TabRequest): Promise<unknown>;
}

export interface SignatureHooks {
  /** Before the wallet is asked: the popup shows what is being signed and why. */
  onSignature?(purpose: SignaturePurpose, text: string, origin: string): void;
  onSigned?(purpose: SignaturePurpose): void;
}

export interface TabWallet {
  findTabs(): Promise<WalletTab[]>;
  signer(tabId: number, hooks?: SignatureHooks): Signer;
}

/** The origin of a tab's URL as the browser reports it; '' when it has none we can show. */
function tabOrigin(tab: TabInfo | undefined): string {
  try {
    return tab?.url ? new URL(tab.url).origin : '';
  } catch {
    return '';
  }
}

export function createTabWallet(deps: TabWalletDeps): TabWallet {
  async function originOf(tabId: number): Promise<string> {
    const origin = tabOrigin((await deps.queryTabs()).find((tab) => tab.id === tabId));
    if (!origin) throw new ExtensionError('tab_unreachable', `tab ${tabId} is closed or shows no web page`);
    return origin;
  }

  async function call<K extends keyof TabMessages & string>(
    tabId: number,
    type: K,
    payload: TabMessages[K]['request'],
  ): Promise<TabMessages[K]['response']> {
    let reply: unknown;
    try {
      reply = await deps.sendToTab(tabId, { type, payload });
    } catch (cause) {
      throw new ExtensionError(
        'tab_unreachable',
        `tab ${tabId} has no XMTP Inbox content script (reload it)`,
        {
          cause,
        },
      );
    }
    return unwrap<TabMessages[K]['response']>(reply, type);
  }

  return {
    async findTabs() {
      const tabs = (await deps.queryTabs()).filter(
        (tab): tab is TabInfo & { id: number } =>
          typeof tab.id === 'number' && /^https?:/.test(tab.url ?? ''),
      );
      const probes = await Promise.all(
        tabs.map(async (tab) => {
          try {
            const probe = await call(tab.id, 'wallet.probe', {});
            if (!probe.available) return undefined;
            const origin = tabOrigin(tab);
            const found: WalletTab = {
              tabId: tab.id,
              origin,
              title: tab.title || origin,
              active: !!tab.active,
              accounts: probe.accounts,
            };
            return found;
          } catch {
            return undefined; // a tab without our content script (opened before install) or without a wallet
          }
        }),
      );
      return probes
        .filter((tab): tab is WalletTab => !!tab)
        .sort((a, b) => Number(b.active) - Number(a.active));
    },

    signer(tabId, hooks = {}) {
      let address: string | undefined;
      let origin = '';
      const signer: Signer = {
        async getAddress() {
          if (address) return address;
          origin = await originOf(tabId);
          const probe = await call(tabId, 'wallet.probe', {});
          if (!probe.available) throw new ExtensionError('no_wallet', `no wallet on ${origin}`);
          const accounts = probe.accounts.length
            ? probe.accounts
            : await call(tabId, 'wallet.requestAccounts', {});
          if (!accounts.length)
            throw new ExtensionError('no_account', `the wallet on ${origin} exposed no account`);
          address = checksumAddress(accounts[0]!);
          return address;
        },
        async signMessage(text) {
          const from = await signer.getAddress();
          const purpose = signaturePurpose(text);
          hooks.onSignature?.(purpose, text, origin);
          try {
            const signature = await call(tabId, 'wallet.personalSign', { address: from, text });
            if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) {
              throw new ExtensionError(
                'invalid_signature',
                `wallet returned an invalid signature: ${signature}`,
              );
            }
            return signature;
          } finally {
            hooks.onSigned?.(purpose);
          }
        },
      };
      return signer;
    },
  };
}
