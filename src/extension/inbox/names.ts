// Peers' ENS names for the inbox service: the popup's names.* operations over the name service, which resolves
// in the background through the RPC in settings and tells listeners which names became known.
import { ExtensionError } from '@/extension/errors';
import type { InboxService, InboxUpdate } from '@/extension/inbox/contract';
import type { KeyValueArea } from '@/extension/storage-area';
import { createNameService } from '@/extension/names/name-service';
import { readSettings } from './settings';

export interface InboxNames extends Pick<InboxService, 'peerNames' | 'resolveName' | 'peerAvatar'> {
  /** Forgets every name and avatar (lock, settings changed). */
  clear(): void;
}

export function createInboxNames(deps: {
  local: KeyValueArea;
  fetch: typeof fetch;
  now: () => number;
  emit(update: InboxUpdate): void;
  requireAccount(): Promise<unknown>;
}): InboxNames {
  const names = createNameService({
    settings: () => readSettings(deps.local),
    fetch: deps.fetch,
    now: deps.now,
    onResolved: (addresses) => deps.emit({ kind: 'names', addresses }),
  });
  return {
    async peerNames(addresses) {
      await deps.requireAccount();
      if (!Array.isArray(addresses))
        throw new ExtensionError('invalid_addresses', 'addresses must be a list');
      return names.known(addresses);
    },
    async resolveName(name) {
      await deps.requireAccount();
      if (typeof name !== 'string' || !name.includes('.') || name.length > 255)
        throw new ExtensionError(
          'invalid_name',
          `not an ENS name: ${JSON.stringify(String(name).slice(0, 100))}`,
        );
      return names.resolve(name.trim());
    },
    async peerAvatar(address) {
      await deps.requireAccount();
      return names.avatar(address);
    },
    clear: () => names.clear(),
  };
}
