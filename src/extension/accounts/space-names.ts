// Where each account keeps its data: the first account (FIRST_ACCOUNT) under the names an install with one
// account always used, so an existing inbox becomes the first account with nothing moved; each added account
// under names of its own. One account's vault, caches, settings and dapp grants cannot meet another's.
import { FIRST_ACCOUNT } from './registry';

export interface SpaceNames {
  /** Prefix of the account's keys in browser.storage.local and .session ('' for the first account). */
  storagePrefix: string;
  vaultDb: string;
  /** The inbox cache (conversations, messages, search snapshot). */
  cacheDb: string;
  /** The client library's own persistence (invitation keys, sync state). */
  clientDb: string;
  attachmentsDb: string;
  /** The browser alarm that ends the account's timed mutes. */
  unmuteAlarm: string;
}

export const UNMUTE_ALARM_PREFIX = 'xmtp-inbox/unmute';

export function spaceNames(id: string): SpaceNames {
  if (id === FIRST_ACCOUNT) {
    return {
      storagePrefix: '',
      vaultDb: 'xmtp-inbox-vault',
      cacheDb: 'xmtp-inbox-cache',
      clientDb: 'xmtp-inbox-client',
      attachmentsDb: 'xmtp-inbox-attachments',
      unmuteAlarm: UNMUTE_ALARM_PREFIX,
    };
  }
  return {
    storagePrefix: `accounts/${id}/`,
    vaultDb: `xmtp-inbox-vault.${id}`,
    cacheDb: `xmtp-inbox-cache.${id}`,
    clientDb: `xmtp-inbox-client.${id}`,
    attachmentsDb: `xmtp-inbox-attachments.${id}`,
    unmuteAlarm: `${UNMUTE_ALARM_PREFIX}/${id}`,
  };
}
