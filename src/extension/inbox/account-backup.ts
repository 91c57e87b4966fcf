// The account as an encrypted backup file and back (issue #18 item 1; docs/backup-format.md): export reads the
// vault's key bundle, the settings and the sealed cache; restore fills an empty vault, the account and the cache
// before any network use, and undoes itself if it fails half way.
import {
  backupFileName,
  readBackup,
  writeBackup,
  type BackupConversation,
  type BackupPayload,
} from '@/client/backup/backup-file';
import type { InboxCache } from '@/extension/cache/cache';
import type { ConversationRecord } from '@/extension/cache/records';
import { ExtensionError } from '@/extension/errors';
import type { KeyValueArea } from '@/extension/storage-area';
import { validatePassword, type Vault } from '@/extension/vault/vault';
import { readSettings, writeSettings } from './settings';

export interface BackupDeps {
  vault: Vault;
  cache: InboxCache;
  local: KeyValueArea;
  now: () => number;
  /** Where the account record lives in `local`. */
  accountKey: string;
}

/** A cached conversation as a backup keeps it: the peer, consent and the user's own state, no last message. */
function backupConversation(c: ConversationRecord): BackupConversation {
  const { lastMessage: _, ...kept } = c;
  return kept;
}

export async function exportAccountBackup(
  deps: BackupDeps,
  address: string,
  password: string,
  { includeMessages = false }: { includeMessages?: boolean } = {},
): Promise<{ fileName: string; text: string }> {
  validatePassword(password);
  const [keyBundle, settings, conversations] = await Promise.all([
    deps.vault.readSecret(),
    readSettings(deps.local),
    deps.cache.listConversations(),
  ]);
  const payload: BackupPayload = {
    address,
    keyBundle,
    createdAt: deps.now(),
    app: 'xmtp-inbox-extension/0.1.0',
    nodes: settings.nodes,
    conversations: conversations.map(backupConversation),
  };
  if (includeMessages)
    payload.messages = (await deps.cache.allMessages())
      .filter((m) => m.status === 'sent')
      .map(({ id, topic, senderAddress, sentAt, contentType, content, fallback }) => ({
        id,
        topic,
        senderAddress,
        sentAt,
        contentType,
        content,
        ...(fallback === undefined ? {} : { fallback }),
      }));
  return {
    fileName: backupFileName(address, new Date(deps.now())),
    text: await writeBackup(payload, password),
  };
}

/** Restores a backup where there is no account yet; returns the restored topics. Writes nothing on a bad file. */
export async function restoreAccountBackup(
  deps: BackupDeps,
  { text, password }: { text: string; password: string },
): Promise<string[]> {
  const { vault, cache, local } = deps;
  if (typeof text !== 'string' || typeof password !== 'string')
    throw new ExtensionError('invalid_backup', 'choose a backup file and type its password');
  // Checked before the slow key derivation, and before anything is written.
  if (await vault.exists())
    throw new ExtensionError(
      'vault_exists',
      'an account is already set up here: sign out first to restore another',
    );
  const payload = await readBackup(text, password);
  const { address } = payload;
  try {
    if (payload.nodes.length) await writeSettings(local, { nodes: payload.nodes });
    await vault.create(payload.keyBundle, password);
    await local.set({ [deps.accountKey]: { address, identity: 'imported' } });
    await cache.clear();
    // Everything goes into the cache first: the inbox works offline at once; the network catches up after.
    await cache.putConversations(payload.conversations.map((c) => ({ ...c, unread: 0 })));
    if (payload.messages?.length)
      await cache.addMessages(
        payload.messages.map((m) => ({ ...m, status: 'sent' as const })),
        address,
      );
    const saved = new Map(payload.conversations.map((c) => [c.topic, c]));
    await cache.updateConversations([...saved.keys()], (current) => ({
      ...current,
      ...saved.get(current.topic),
    }));
  } catch (error) {
    // Half a restore is no account: undo it, so the person can try again.
    await cache.clear().catch(() => undefined);
    await local.remove(deps.accountKey).catch(() => undefined);
    await vault.wipe().catch(() => undefined);
    throw error;
  }
  return payload.conversations.map((c) => c.topic);
}
