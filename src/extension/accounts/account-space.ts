// One account's space: its vault, inbox cache, client persistence, attachment cache and part of the storage
// areas, under the names space-names.ts gives it, and the InboxService over them.
import { createPayloadCache } from '@/extension/attachments/payload-cache';
import { createInboxCache } from '@/extension/cache/cache';
import { vaultCacheKeys } from '@/extension/cache/sealing';
import type { ClientAdapter } from '@/extension/client-adapter';
import {
  createIdbPersistence,
  vaultPersistenceKey,
  type ClearablePersistence,
} from '@/extension/client/idb-persistence';
import { createPermissionStore } from '@/extension/dapp/permissions';
import { createInboxService } from '@/extension/inbox/service';
import { prefixedArea, type KeyValueArea } from '@/extension/storage-area';
import { createVault } from '@/extension/vault/vault';
import type { TabWallet } from '@/extension/wallet/tab-wallet';
import type { AccountSpace } from './accounts';
import { spaceNames } from './space-names';

/** What every account shares: the browser's databases and storage areas, its wallet tabs and notifications. */
export interface SpaceEnvironment {
  indexedDB: IDBFactory;
  /** browser.storage.local */
  local: KeyValueArea;
  /** browser.storage.session: where each vault keeps its unlocked key. */
  session: KeyValueArea;
  wallet: TabWallet;
  fetch: typeof fetch;
  /** The account's ClientAdapter over its own (encrypted) client persistence. */
  adapter(persistence: ClearablePersistence): ClientAdapter;
  notify?(accountId: string, title: string, body: string): void;
  clearNotifications?(): void;
  /** Sets (or, with undefined, clears) the browser alarm `alarm` for `at`. */
  scheduleAlarm?(alarm: string, at: number | undefined): void;
  now?: () => number;
}

export function openAccountSpace(id: string, env: SpaceEnvironment): AccountSpace {
  const names = spaceNames(id);
  const vault = createVault({
    indexedDB: env.indexedDB,
    session: prefixedArea(env.session, names.storagePrefix),
    dbName: names.vaultDb,
  });
  // The client's cache holds V2 invitation key material: encrypted under a key the vault derives while unlocked.
  const persistence = createIdbPersistence(env.indexedDB, {
    key: vaultPersistenceKey(vault),
    dbName: names.clientDb,
  });
  // Message texts, drafts and peers are sealed too, under keys that exist only while unlocked (cache/sealing.ts).
  const cache = createInboxCache({
    indexedDB: env.indexedDB,
    keys: vaultCacheKeys(vault),
    dbName: names.cacheDb,
  });
  const local = prefixedArea(env.local, names.storagePrefix);
  const { notify, clearNotifications, scheduleAlarm } = env;
  const service = createInboxService({
    vault,
    cache,
    local,
    adapter: env.adapter(persistence),
    wallet: env.wallet,
    fetch: env.fetch,
    payloads: createPayloadCache(env.indexedDB, { name: names.attachmentsDb }),
    ...(env.now ? { now: env.now } : {}),
    ...(notify ? { notify: (title: string, body: string) => notify(id, title, body) } : {}),
    ...(clearNotifications ? { clearNotifications } : {}),
    // A timed mute ends by an alarm of the account's own, which wakes a stopped worker.
    ...(scheduleAlarm ? { scheduleMuteExpiry: (at?: number) => scheduleAlarm(names.unmuteAlarm, at) } : {}),
  });
  const erase = async () => {
    scheduleAlarm?.(names.unmuteAlarm, undefined);
    const databases = [names.vaultDb, names.cacheDb, names.clientDb, names.attachmentsDb];
    await Promise.all(databases.map((name) => deleteDatabase(env.indexedDB, name)));
  };
  return { id, service, vault, cache, local, erase };
}

/**
 * Deletes database `name`. Our open connections close themselves when asked (idb-open.ts); should one not,
 * the deletion is left to finish when it does, rather than holding up the sign-out.
 */
function deleteDatabase(factory: IDBFactory, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = factory.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onblocked = () => resolve();
    request.onerror = () => reject(request.error ?? new Error(`could not delete ${name}`));
  });
}

/** A storage area that can list every key it holds, as `browser.storage.local.get(null)` does. */
export interface ListableArea extends Pick<KeyValueArea, 'remove'> {
  get(keys: null): Promise<Record<string, unknown>>;
}

/**
 * Removes what a signed-out account kept in the shared storage area: its dapp grants, and for an added account
 * everything else under its prefix (settings, account record, sync cursor). The first account has no prefix;
 * its service already cleared its own keys.
 */
export async function forgetAccountStorage(local: ListableArea, space: AccountSpace): Promise<void> {
  await createPermissionStore(space.local).clear();
  const prefix = spaceNames(space.id).storagePrefix;
  if (!prefix) return;
  const left = Object.keys(await local.get(null)).filter((key) => key.startsWith(prefix));
  if (left.length) await local.remove(left);
}
