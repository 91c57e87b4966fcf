import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { wrap, type IDBPDatabase } from 'idb';
import { describe, expect, it } from 'vitest';
import { createInboxCache } from '@/extension/cache/cache';
import { CONTENT_TYPES, type MessageRecord } from '@/extension/cache/records';
import { vaultCacheKeys } from '@/extension/cache/sealing';
import { createMemoryArea } from '../../helpers/memory-area';
import { createVault } from '@/extension/vault/vault';

// Issue #17 item 5: the inbox cache holds message texts, previews, drafts, peers and topics only sealed, under
// keys that exist while the vault is unlocked; plaintext left by an older version is sealed on first use.
const ME = '0x1111111111111111111111111111111111111111';
const PEER = '0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B';
const TOPIC = `/xmtp/0/dm-${ME}-${PEER}/proto`;
const PASSWORD = 'correct horse battery';
const SECRETS = [
  'meet me at the old mill',
  'half-written reply',
  PEER,
  PEER.toLowerCase(),
  PEER.slice(2),
  TOPIC,
];

const text = (id: string, sentAt: number, content: string, sender = PEER): MessageRecord => ({
  id,
  topic: TOPIC,
  senderAddress: sender,
  sentAt,
  contentType: CONTENT_TYPES.text,
  content,
  status: 'sent',
});

/** Every key and value of every store of every database, bytes as latin1 text too, so plaintext shows. */
async function rawDump(indexedDB: IDBFactory): Promise<string> {
  const parts: string[] = [];
  for (const info of await indexedDB.databases()) {
    const db = await open(indexedDB, info.name!);
    for (const store of Array.from(db.objectStoreNames)) {
      const [keys, values] = await Promise.all([db.getAllKeys(store), db.getAll(store)]);
      parts.push(
        JSON.stringify({ store, keys, values }, (_, v: unknown) =>
          v instanceof Uint8Array ? String.fromCharCode(...v) : v,
        ),
      );
    }
    db.close();
  }
  return parts.join('\n');
}

/** Opens a database of this factory as it is (or at `version`, creating stores with `upgrade`). */
function open(
  indexedDB: IDBFactory,
  name: string,
  version?: number,
  upgrade?: (db: IDBPDatabase) => void,
): Promise<IDBPDatabase> {
  const request = indexedDB.open(name, version);
  if (upgrade) request.onupgradeneeded = () => upgrade(wrap(request.result));
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(wrap(request.result));
    request.onerror = () => reject(request.error);
  });
}

async function unlockedVault(indexedDB: IDBFactory, secret = 'a key bundle (base64)') {
  const session = createMemoryArea();
  const vault = createVault({ indexedDB, session });
  await vault.create(secret, PASSWORD);
  return vault;
}

describe('the inbox cache at rest', () => {
  it('stores no message text, draft, peer address or topic in the clear, and refuses to work while locked', async () => {
    const indexedDB = new IDBFactory();
    const vault = await unlockedVault(indexedDB);
    const cache = createInboxCache({ indexedDB, keys: vaultCacheKeys(vault) });
    await cache.putConversations([{ topic: TOPIC, peerAddress: PEER, createdAt: 1, consent: 'allowed' }]);
    await cache.addMessages([text('m1', 10, 'meet me at the old mill'), text('m2', 20, 'ok', ME)], ME);
    await cache.updateConversation(TOPIC, (c) => ({
      ...c,
      draft: { text: 'half-written reply', updatedAt: 30 },
    }));
    await cache.setSyncedUntil(TOPIC, 40);

    const raw = await rawDump(indexedDB);
    expect(raw).toContain('m1'); // message ids are not secret, and show the dump holds the records
    for (const secret of SECRETS) expect(raw.includes(secret), `in the clear: ${secret}`).toBe(false);

    await vault.lock();
    await expect(cache.listConversations()).rejects.toMatchObject({ code: 'vault_locked' });
    await expect(cache.listMessages(TOPIC)).rejects.toMatchObject({ code: 'vault_locked' });
    await expect(cache.addMessages([text('m3', 50, 'while locked')], ME)).rejects.toMatchObject({
      code: 'vault_locked',
    });

    // Unlocking reopens everything, with no network: the keys come from the vault's secret.
    await vault.unlock(PASSWORD);
    const [conversation] = await cache.listConversations();
    expect(conversation).toMatchObject({
      topic: TOPIC,
      peerAddress: PEER,
      unread: 1,
      draft: { text: 'half-written reply' },
      lastMessage: { preview: 'ok' },
    });
    expect((await cache.listMessages(TOPIC)).map((m) => m.content)).toEqual([
      'meet me at the old mill',
      'ok',
    ]);
    expect(await cache.syncedUntil(TOPIC)).toBe(40);
    expect(await cache.syncedUntilMany([TOPIC, '/xmtp/0/m-never-synced/proto', TOPIC])).toEqual([
      40,
      undefined,
      40,
    ]);
    expect(await cache.totalUnread()).toBe(1);
  });

  it('refuses records sealed under another account’s keys instead of showing them', async () => {
    const indexedDB = new IDBFactory();
    const first = createInboxCache({
      indexedDB,
      keys: vaultCacheKeys(await unlockedVault(new IDBFactory())),
    });
    await first.putConversations([{ topic: TOPIC, peerAddress: PEER, createdAt: 1, consent: 'allowed' }]);
    first.close();
    const other = createInboxCache({
      indexedDB,
      keys: vaultCacheKeys(await unlockedVault(new IDBFactory(), 'another key bundle')),
    });
    // Another account's index key names the topic differently: it is simply not there.
    expect(await other.getConversation(TOPIC)).toBeUndefined();
    await expect(other.listConversations()).rejects.toMatchObject({ code: 'cache_corrupt' });
  });

  it('holds opened conversations while unlocked, drops them at lock, and refuses a tampered one when it opens it again', async () => {
    const indexedDB = new IDBFactory();
    const vault = await unlockedVault(indexedDB);
    const cache = createInboxCache({ indexedDB, keys: vaultCacheKeys(vault) });
    await cache.putConversations([{ topic: TOPIC, peerAddress: PEER, createdAt: 1, consent: 'allowed' }]);
    expect((await cache.listConversations())[0]?.consent).toBe('allowed'); // opened once, held
    await cache.setConsent(TOPIC, 'denied'); // written through: what is held is what is stored
    expect((await cache.listConversations())[0]?.consent).toBe('denied');
    // The same catch-up again changes nothing, so the record is not written again.
    const db = await open(indexedDB, 'xmtp-inbox-cache');
    const [before] = await db.getAll('sealedConversations');
    await cache.putConversations([{ topic: TOPIC, peerAddress: PEER, createdAt: 1, consent: 'denied' }]);
    const [after] = await db.getAll('sealedConversations');
    expect(after).toEqual(before);
    // A flipped byte in the stored record. The worker is the only writer, so it goes on answering from what it
    // wrote; once it opens the stored record again (after lock and unlock here), the change is noticed.
    after.box.data[0] ^= 1;
    await db.put('sealedConversations', after);
    db.close();
    expect((await cache.listConversations())[0]?.consent).toBe('denied');
    await vault.lock();
    await expect(cache.getConversation(TOPIC)).rejects.toMatchObject({ code: 'vault_locked' });
    await vault.unlock(PASSWORD);
    await expect(cache.listConversations()).rejects.toMatchObject({ code: 'cache_corrupt' });
    await expect(cache.totalUnread()).rejects.toMatchObject({ code: 'cache_corrupt' });
  });

  it('opens the stored records again after forgetOpened, with what every write left there', async () => {
    const indexedDB = new IDBFactory();
    const keys = vaultCacheKeys(await unlockedVault(indexedDB));
    const cache = createInboxCache({ indexedDB, keys });
    await cache.putConversations([{ topic: TOPIC, peerAddress: PEER, createdAt: 1, consent: 'allowed' }]);
    await cache.addMessages([text('m1', 10, 'meet me at the old mill')], ME);
    await cache.updateConversation(TOPIC, (c) => ({ ...c, pinnedAt: 20, pinSetAt: 20 }));
    const held = await cache.listConversations();
    cache.forgetOpened();
    // A second instance over the same database (a restarted worker) and this one, reopened, agree with it.
    const restarted = createInboxCache({ indexedDB, keys });
    expect(await cache.listConversations()).toEqual(held);
    expect(await restarted.listConversations()).toEqual(held);
    expect(await restarted.totalUnread()).toBe(1);
  });

  it('seals the plaintext records of version 4 on first use and keeps pins, drafts and unread counts', async () => {
    const indexedDB = new IDBFactory();
    // The version-4 layout, as earlier releases wrote it.
    const old = await open(indexedDB, 'xmtp-inbox-cache', 4, (d) => {
      {
        const conversations = d.createObjectStore('conversations', { keyPath: 'topic' });
        conversations.createIndex('byActivity', 'activityAt');
        conversations.createIndex('byConsent', 'consent');
        conversations.createIndex('byUnread', 'unread');
        conversations.createIndex('byPinned', 'pinnedAt');
        const messages = d.createObjectStore('messages', { keyPath: 'id' });
        messages.createIndex('byTopicSent', ['topic', 'sentAt']);
        messages.createIndex('byStatus', 'status');
        d.createObjectStore('synced');
      }
    });
    await old.put('conversations', {
      topic: TOPIC,
      peerAddress: PEER,
      createdAt: 1,
      consent: 'allowed',
      unread: 2,
      pinnedAt: 5,
      draft: { text: 'half-written reply', updatedAt: 6 },
      lastMessage: { id: 'm1', senderAddress: PEER, sentAt: 10, preview: 'meet me at the old mill' },
      activityAt: 10,
    });
    await old.put('messages', text('m1', 10, 'meet me at the old mill'));
    await old.put('synced', 99, TOPIC);
    old.close();

    const vault = await unlockedVault(indexedDB);
    const cache = createInboxCache({ indexedDB, keys: vaultCacheKeys(vault) });
    expect(await cache.listConversations()).toEqual([
      expect.objectContaining({
        topic: TOPIC,
        unread: 2,
        pinnedAt: 5,
        draft: { text: 'half-written reply', updatedAt: 6 },
      }),
    ]);
    expect((await cache.listMessages(TOPIC)).map((m) => m.id)).toEqual(['m1']);
    expect(await cache.syncedUntil(TOPIC)).toBe(99);
    cache.close();
    const raw = await rawDump(indexedDB);
    for (const secret of SECRETS) expect(raw.includes(secret), `left in the clear: ${secret}`).toBe(false);
  });
});
