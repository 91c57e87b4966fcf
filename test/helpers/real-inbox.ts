// The background's inbox service (and its accounts) built as the background builds it (real vault, sealed cache keyed from the
// vault, the real client adapter over `ws`), on storage the test hands in: the same storage again is the same
// install after a worker restart, other storage another install.
import { IDBFactory } from 'fake-indexeddb';
import WebSocket from 'ws';
import {
  forgetAccountStorage,
  openAccountSpace,
  type SpaceEnvironment,
} from '@/extension/accounts/account-space';
import { createAccounts } from '@/extension/accounts/accounts';
import { createInboxCache } from '@/extension/cache/cache';
import { vaultCacheKeys } from '@/extension/cache/sealing';
import type { WebSocketConstructor } from '@/client/api';
import { createIdbPersistence, vaultPersistenceKey } from '@/extension/client/idb-persistence';
import { sharedWebSocket } from '@/extension/client/shared-socket';
import { createXmtpClientAdapter } from '@/extension/client/xmtp-adapter';
import { createInboxService, type InboxServiceDeps } from '@/extension/inbox/service';
import { createVault } from '@/extension/vault/vault';
import { createTabWallet } from '@/extension/wallet/tab-wallet';
import { createMemoryArea } from './memory-area';

export interface InstallStorage {
  indexedDB?: IDBFactory;
  session?: ReturnType<typeof createMemoryArea>;
  local?: ReturnType<typeof createMemoryArea>;
}

export function realInboxService(
  {
    indexedDB = new IDBFactory(),
    session = createMemoryArea(),
    local = createMemoryArea(),
  }: InstallStorage = {},
  extra: Partial<Pick<InboxServiceDeps, 'notify' | 'fetch' | 'payloads' | 'now'>> = {},
) {
  const vault = createVault({ indexedDB, session });
  return createInboxService({
    vault,
    cache: createInboxCache({ keys: vaultCacheKeys(vault), indexedDB }),
    local,
    adapter: createXmtpClientAdapter({
      persistence: createIdbPersistence(indexedDB, { key: vaultPersistenceKey(vault) }),
      WebSocket,
    }),
    wallet: createTabWallet({ queryTabs: async () => [], sendToTab: async () => undefined }),
    fetch,
    ...extra,
  });
}

/**
 * The background's accounts as the background builds them (src/extension/accounts), each account over the real
 * client adapter and its own part of `storage`; the same storage again is the same install after a restart.
 */
export function realAccounts(
  {
    indexedDB = new IDBFactory(),
    session = createMemoryArea(),
    local = createMemoryArea(),
  }: InstallStorage = {},
  extra: Partial<Pick<SpaceEnvironment, 'notify' | 'adapter'>> = {},
) {
  const sockets = sharedWebSocket(WebSocket as unknown as WebSocketConstructor);
  const environment: SpaceEnvironment = {
    indexedDB,
    local,
    session,
    wallet: createTabWallet({ queryTabs: async () => [], sendToTab: async () => undefined }),
    fetch,
    // One socket per node for all accounts, as the background has.
    adapter: (persistence) => createXmtpClientAdapter({ persistence, WebSocket: sockets.WebSocket }),
    ...extra,
  };
  const accounts = createAccounts({
    local,
    openSpace: (id) => openAccountSpace(id, environment),
    onRemoved: (space) => forgetAccountStorage(local, space),
  });
  return { ...accounts, sockets };
}
