// Runs in the page's main world (entrypoints/inpage.ts): answers the tab messages with the page's EIP-1193
// wallet, found as window.ethereum or through EIP-6963 announcements (https://eips.ethereum.org/EIPS/eip-6963).
import { ExtensionError } from '@/extension/errors';
import type { Handlers } from '@/extension/messages/envelope';
import type { TabMessages } from '@/extension/messages/content';
import { toHex, utf8 } from '@/protocol/bytes';

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

interface Eip6963Detail {
  info?: { rdns?: string; name?: string };
  provider?: Eip1193Provider;
}

function isProvider(value: unknown): value is Eip1193Provider {
  return !!value && typeof (value as Eip1193Provider).request === 'function';
}

/**
 * Collects EIP-6963 announcements (and asks for them once); the finder prefers `window.ethereum`, as the
 * user's default wallet, and falls back to the first announced one.
 */
export function watchWalletProviders(win: Window): () => Eip1193Provider | undefined {
  const announced: Eip1193Provider[] = [];
  win.addEventListener('eip6963:announceProvider', (event) => {
    const detail = (event as CustomEvent<Eip6963Detail>).detail;
    if (isProvider(detail?.provider) && !announced.includes(detail.provider)) announced.push(detail.provider);
  });
  win.dispatchEvent(new Event('eip6963:requestProvider'));
  return () => {
    const injected = (win as unknown as { ethereum?: unknown }).ethereum;
    return isProvider(injected) ? injected : announced[0];
  };
}

/** EIP-1193 errors carry numeric codes (4001 = user rejected); they become our string codes. */
function walletError(error: unknown): ExtensionError {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  if (code === 4001) return new ExtensionError('wallet_rejected', `the wallet request was rejected: ${text}`);
  if (code === 4100)
    return new ExtensionError('wallet_unauthorized', `the wallet did not authorize: ${text}`);
  return new ExtensionError('wallet_error', `the wallet failed: ${text}`);
}

async function ask(provider: Eip1193Provider, method: string, params?: unknown[]): Promise<unknown> {
  try {
    return await provider.request(params ? { method, params } : { method });
  } catch (error) {
    throw walletError(error);
  }
}

function accountsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((a): a is string => typeof a === 'string') : [];
}

export function createWalletHandlers(page: {
  provider: () => Eip1193Provider | undefined;
  origin: string;
  title: string;
}): Handlers<TabMessages> {
  const need = () => {
    const provider = page.provider();
    if (!provider) throw new ExtensionError('no_wallet', `no wallet on ${page.origin}`);
    return provider;
  };
  return {
    async 'wallet.probe'() {
      const provider = page.provider();
      const accounts = provider ? accountsOf(await ask(provider, 'eth_accounts').catch(() => [])) : [];
      return { available: !!provider, accounts, origin: page.origin, title: page.title };
    },
    async 'wallet.requestAccounts'() {
      return accountsOf(await ask(need(), 'eth_requestAccounts'));
    },
    async 'wallet.personalSign'({ address, text }) {
      // personal_sign takes the message as hex of its UTF-8 bytes, then the account (EIP-191; docs/protocol.md §3.4).
      const signature = await ask(need(), 'personal_sign', [`0x${toHex(utf8(text))}`, address]);
      if (typeof signature !== 'string')
        throw new ExtensionError('wallet_error', 'the wallet returned no signature');
      return signature;
    },
  };
}
