import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { ConversationStore } from '@/client/conversations/conversation-store';
import { createIdbPersistence, vaultPersistenceKey } from '@/extension/client/idb-persistence';
import { createMemoryArea } from '../../helpers/memory-area';
import { createVault } from '@/extension/vault/vault';
import { toBase64, toHex, utf8 } from '@/protocol/bytes';

// The client's cache holds every V2 conversation's invitation key material (docs/protocol.md §8.1). Issue #5: keys
// are never written unencrypted, so what IndexedDB holds must be ciphertext, and nothing opens while locked.
const SECRET = toBase64(crypto.getRandomValues(new Uint8Array(300)));
const PASSWORD = 'correct horse battery';
const DB = 'xmtp-inbox-client';

function setup() {
  const indexedDB = new IDBFactory();
  const session = createMemoryArea();
  const vault = createVault({ indexedDB, session });
  const persistence = createIdbPersistence(indexedDB, { key: vaultPersistenceKey(vault) });
  return { indexedDB, session, vault, persistence };
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** Every value of every store of the database, read without our code, as one byte string. */
async function rawDatabase(indexedDB: IDBFactory, name: string): Promise<Uint8Array> {
  const db = await request(indexedDB.open(name));
  const parts: string[] = [];
  for (const store of Array.from(db.objectStoreNames)) {
    const tx = db.transaction(store);
    const [keys, values] = await Promise.all([
      request(tx.objectStore(store).getAllKeys()),
      request(tx.objectStore(store).getAll()),
    ]);
    parts.push(JSON.stringify({ store, keys }));
    for (const value of values) parts.push(serialise(value));
  }
  db.close();
  return utf8(parts.join('\n'));
}

/** Bytes as latin1 text (so byte searches work) and everything else as JSON. */
function serialise(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v instanceof Uint8Array ? 'bytes:' + Array.from(v, (b) => String.fromCharCode(b)).join('') : v,
  );
}

const contains = (hay: Uint8Array, needle: Uint8Array) =>
  new TextDecoder('latin1').decode(hay).includes(new TextDecoder('latin1').decode(needle));

describe('client persistence in IndexedDB', () => {
  it('keeps V2 invitation key material only as ciphertext on disk', async () => {
    const { indexedDB, vault, persistence } = setup();
    await vault.create(SECRET, PASSWORD);
    const keyMaterial = crypto.getRandomValues(new Uint8Array(32));
    const store = new ConversationStore(persistence);
    await store.load();
    store.addV2({
      topic: '/xmtp/0/m-secret/proto',
      peerAddress: '0x000000000000000000000000000000000000dEaD',
      createdNs: 1n,
      keyMaterial,
    });
    await store.save();

    const raw = await rawDatabase(indexedDB, DB);
    for (const form of [keyMaterial, utf8(toBase64(keyMaterial)), utf8(toHex(keyMaterial))])
      expect(contains(raw, form)).toBe(false);
    expect(contains(raw, utf8('m-secret'))).toBe(false); // not even the topic
    // A fresh store (a restarted worker) reads it back through the unlocked vault.
    const reloaded = new ConversationStore(
      createIdbPersistence(indexedDB, { key: vaultPersistenceKey(vault) }),
    );
    await reloaded.load();
    expect(reloaded.v2.get('/xmtp/0/m-secret/proto')?.keyMaterial).toEqual(keyMaterial);
  });

  it('cannot read or write while the vault is locked, and reads again once unlocked', async () => {
    const { vault, persistence } = setup();
    await vault.create(SECRET, PASSWORD);
    await persistence.set('a/conversations', utf8('hello'));
    await vault.lock();
    await expect(persistence.get('a/conversations')).rejects.toMatchObject({ code: 'vault_locked' });
    await expect(persistence.set('a/conversations', utf8('x'))).rejects.toMatchObject({
      code: 'vault_locked',
    });
    await vault.unlock(PASSWORD);
    expect(await persistence.get('a/conversations')).toEqual(utf8('hello'));
  });

  it('keeps its records readable after a password change (the key follows the identity, not the password)', async () => {
    const { vault, persistence } = setup();
    await vault.create(SECRET, PASSWORD);
    await persistence.set('k', utf8('value'));
    await vault.changePassword(PASSWORD, 'another good password');
    expect(await persistence.get('k')).toEqual(utf8('value'));
  });

  it('finds nothing and stores nothing before an identity exists (onboarding)', async () => {
    const { persistence } = setup();
    expect(await persistence.get('k')).toBeUndefined();
    await expect(persistence.set('k', utf8('v'))).rejects.toMatchObject({ code: 'vault_locked' });
  });

  it('treats a record of another identity or a tampered record as absent', async () => {
    const one = setup();
    await one.vault.create(SECRET, PASSWORD);
    await one.persistence.set('k', utf8('value'));
    // The same database, another identity's vault (sign out and onboard again without clearing).
    const other = createVault({
      indexedDB: one.indexedDB,
      session: createMemoryArea(),
      dbName: 'other-vault',
    });
    await other.create(toBase64(crypto.getRandomValues(new Uint8Array(300))), PASSWORD);
    const theirs = createIdbPersistence(one.indexedDB, { key: vaultPersistenceKey(other) });
    expect(await theirs.get('k')).toBeUndefined();
    // One flipped ciphertext bit fails the AES-GCM tag.
    const db = await request(one.indexedDB.open(DB));
    const kv = () => db.transaction('kv', 'readwrite').objectStore('kv');
    const record = (await request(kv().get('k'))) as { nonce: Uint8Array; sealed: Uint8Array };
    record.sealed[0]! ^= 1;
    await request(kv().put(record, 'k'));
    db.close();
    expect(await one.persistence.get('k')).toBeUndefined();
  });

  it('drops the plaintext records a version 1 database kept', async () => {
    const indexedDB = new IDBFactory();
    const old = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open(DB, 1);
      r.onupgradeneeded = () => r.result.createObjectStore('kv');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    await request(
      old.transaction('kv', 'readwrite').objectStore('kv').put(utf8('plaintext keys'), 'a/conversations'),
    );
    old.close();
    const vault = createVault({ indexedDB, session: createMemoryArea() });
    await vault.create(SECRET, PASSWORD);
    const persistence = createIdbPersistence(indexedDB, { key: vaultPersistenceKey(vault) });
    expect(await persistence.get('a/conversations')).toBeUndefined();
    expect(contains(await rawDatabase(indexedDB, DB), utf8('plaintext keys'))).toBe(false);
  });

  it('clears while locked (sign out)', async () => {
    const { indexedDB, vault, persistence } = setup();
    await vault.create(SECRET, PASSWORD);
    await persistence.set('k', utf8('value'));
    await vault.lock();
    await persistence.clear();
    const db = await request(indexedDB.open(DB));
    expect(await request(db.transaction('kv').objectStore('kv').count())).toBe(0);
    db.close();
  });
});
