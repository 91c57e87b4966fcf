// Onboarding: a new identity from the user's wallet (a signature on a web page), a fresh local key or an imported
// key bundle, kept in a new vault under the user's password; then it becomes the session. One at a time, and
// one at a time with a backup restore: two would race to create the vault.
import type { InboxCache } from '@/extension/cache/cache';
import type { ClientAdapter, ClientSession, IdentitySource } from '@/extension/client-adapter';
import { ExtensionError } from '@/extension/errors';
import type { IdentityKind, InboxService, InboxUpdate, OnboardingInput } from '@/extension/inbox/contract';
import type { KeyValueArea } from '@/extension/storage-area';
import { validatePassword, type Vault } from '@/extension/vault/vault';
import { checksumAddress } from '@/extension/wallet/address';
import type { TabWallet } from '@/extension/wallet/tab-wallet';
import { writeSettings } from './settings';

/** The account record in browser.storage.local: the (public) address and where the identity came from. */
export interface Account {
  address: string;
  identity: IdentityKind;
}

export const ACCOUNT_KEY = 'account';

export interface OnboardingDeps {
  vault: Vault;
  cache: InboxCache;
  local: KeyValueArea;
  adapter: ClientAdapter;
  wallet: TabWallet;
  emit(update: InboxUpdate): void;
  /** The new identity's session is ready: make it the current one; resolves to the service's state. */
  started(session: ClientSession): ReturnType<InboxService['state']>;
}

export type Onboarding = Pick<InboxService, 'linkWallet' | 'createLocalKey' | 'importKey'> & {
  /** Runs `work` unless onboarding or a restore is already under way (then `busy`). */
  exclusively<T>(work: () => Promise<T>): Promise<T>;
};

export function createOnboarding(deps: OnboardingDeps): Onboarding {
  const { vault, local } = deps;
  let busy = false;

  async function exclusively<T>(work: () => Promise<T>): Promise<T> {
    if (busy) throw new ExtensionError('busy', 'onboarding is already in progress: check your wallet');
    busy = true;
    try {
      return await work();
    } finally {
      busy = false;
    }
  }

  const onboard = (input: OnboardingInput, identity: IdentityKind, source: IdentitySource) =>
    exclusively(async () => {
      validatePassword(input.password);
      if (await vault.exists())
        throw new ExtensionError('vault_exists', 'an identity exists already: sign out first');
      const settings = await writeSettings(local, { nodes: input.nodes });
      const created = await deps.adapter.create(source, { nodes: settings.nodes });
      try {
        await vault.create(await created.exportKeyBundle(), input.password);
        await local.set({
          [ACCOUNT_KEY]: { address: checksumAddress(created.address), identity } satisfies Account,
        });
        await deps.cache.clear();
      } catch (error) {
        await created.close().catch(() => undefined);
        throw error;
      }
      return deps.started(created);
    });

  return {
    exclusively,

    linkWallet(input) {
      const signer = deps.wallet.signer(input.tabId, {
        onSignature: (purpose, text, origin) => deps.emit({ kind: 'signature', purpose, text, origin }),
        onSigned: (purpose) => deps.emit({ kind: 'signature_done', purpose }),
      });
      return onboard(input, 'wallet', {
        kind: 'wallet',
        signer,
        storeOnNetwork: input.storeOnNetwork === true,
      });
    },

    createLocalKey: (input) => onboard(input, 'local', { kind: 'generate' }),

    importKey(input) {
      if (typeof input.keyBundle !== 'string' || !input.keyBundle.trim()) {
        throw new ExtensionError('invalid_key_bundle', 'paste an encoded private key bundle (base64)');
      }
      return onboard(input, 'imported', { kind: 'key', keyBundle: input.keyBundle.trim() });
    },
  };
}
