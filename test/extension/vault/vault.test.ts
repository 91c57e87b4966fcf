import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createMemoryArea } from '../../helpers/memory-area';
import { createVault } from '@/extension/vault/vault';
import { fromBase64, toBase64, utf8 } from '@/protocol/bytes';

// An encoded private key bundle stands in for the client's secret: opaque base64 to the vault.
const SECRET = toBase64(crypto.getRandomValues(new Uint8Array(300)));
const PASSWORD = 'correct horse battery';

function setup(start = 1_000_000) {
  const indexedDB = new IDBFactory();
  const session = createMemoryArea();
  const clock = { now: start };
  const vault = createVault({ indexedDB, session, now: () => clock.now });
  return { indexedDB, session, clock, vault };
}

async function rawRecords(indexedDB: IDBFactory): Promise<unknown[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('xmtp-inbox-vault');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const all = await new Promise<unknown[]>((resolve, reject) => {
    const request = db.transaction('vault').objectStore('vault').getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  db.close();
  return all;
}

function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe('vault', () => {
  it('round-trips the secret through lock and unlock', async () => {
    const { vault } = setup();
    expect(await vault.exists()).toBe(false);
    await vault.create(SECRET, PASSWORD);
    expect(await vault.isUnlocked()).toBe(true);
    expect(await vault.readSecret()).toBe(SECRET);
    await vault.lock();
    expect(await vault.isUnlocked()).toBe(false);
    await vault.unlock(PASSWORD);
    expect(await vault.readSecret()).toBe(SECRET);
  });

  it('rejects a wrong password with wrong_password and stays locked', async () => {
    const { vault } = setup();
    await vault.create(SECRET, PASSWORD);
    await vault.lock();
    await expect(vault.unlock('not the password')).rejects.toMatchObject({ code: 'wrong_password' });
    expect(await vault.isUnlocked()).toBe(false);
    await expect(vault.readSecret()).rejects.toMatchObject({ code: 'vault_locked' });
  });

  it('lock wipes the unlocked key from session storage', async () => {
    const { vault, session } = setup();
    await vault.create(SECRET, PASSWORD);
    expect(Object.keys(session.snapshot())).toEqual(['vault.unlocked']);
    await vault.lock();
    expect(session.snapshot()).toEqual({});
  });

  it('stays locked when activity is recorded at the same moment as lock', async () => {
    const { vault } = setup();
    await vault.create(SECRET, PASSWORD);
    await Promise.all([vault.touch(), vault.lock(), vault.touch()]);
    expect(await vault.isUnlocked()).toBe(false);
  });

  it('stays unlocked across a restarted worker that shares the session area', async () => {
    const { vault, session, indexedDB } = setup();
    await vault.create(SECRET, PASSWORD);
    const restarted = createVault({ indexedDB, session });
    expect(await restarted.isUnlocked()).toBe(true);
    expect(await restarted.readSecret()).toBe(SECRET);
  });

  it('keeps no plaintext secret bytes in the IndexedDB record, and at least 600,000 PBKDF2 iterations', async () => {
    const { vault, indexedDB } = setup();
    await vault.create(SECRET, PASSWORD);
    const records = await rawRecords(indexedDB);
    expect(records).toHaveLength(1);
    const json = JSON.stringify(records);
    expect(json).not.toContain(SECRET);
    expect(json).not.toContain(SECRET.slice(0, 24));
    const stored = utf8(json);
    expect(containsBytes(stored, fromBase64(SECRET).slice(0, 16))).toBe(false);
    const record = records[0] as {
      version: number;
      kdf: { iterations: number; salt: string };
      ciphertext: string;
    };
    expect(record.version).toBe(1);
    expect(record.kdf.iterations).toBeGreaterThanOrEqual(600_000);
    expect(containsBytes(fromBase64(record.ciphertext), utf8(SECRET).slice(0, 16))).toBe(false);
  });

  it('refuses fewer than 600,000 iterations and short passwords', async () => {
    expect(() =>
      createVault({ indexedDB: new IDBFactory(), session: createMemoryArea(), iterations: 10_000 }),
    ).toThrow(/at least 600000/);
    const { vault } = setup();
    await expect(vault.create(SECRET, 'short')).rejects.toMatchObject({ code: 'weak_password' });
  });

  it('changes the password: the old one stops working, the new one opens the same secret', async () => {
    const { vault } = setup();
    await vault.create(SECRET, PASSWORD);
    await expect(vault.changePassword('wrong password', 'a new password')).rejects.toMatchObject({
      code: 'wrong_password',
    });
    await vault.changePassword(PASSWORD, 'a new password');
    expect(await vault.readSecret()).toBe(SECRET);
    await vault.lock();
    await expect(vault.unlock(PASSWORD)).rejects.toMatchObject({ code: 'wrong_password' });
    await vault.unlock('a new password');
    expect(await vault.readSecret()).toBe(SECRET);
  });

  it('auto-locks after the idle time, and activity postpones it', async () => {
    const { vault, clock } = setup();
    await vault.create(SECRET, PASSWORD);
    clock.now += 4 * 60_000;
    expect(await vault.lockIfIdle(5 * 60_000)).toBe(false);
    await vault.touch();
    clock.now += 4 * 60_000;
    expect(await vault.lockIfIdle(5 * 60_000)).toBe(false);
    clock.now += 2 * 60_000;
    expect(await vault.lockIfIdle(5 * 60_000)).toBe(true);
    expect(await vault.isUnlocked()).toBe(false);
  });

  it('wipe removes the record and the key, so a new identity can be created', async () => {
    const { vault, session, indexedDB } = setup();
    await vault.create(SECRET, PASSWORD);
    await expect(vault.create(SECRET, PASSWORD)).rejects.toMatchObject({ code: 'vault_exists' });
    await vault.wipe();
    expect(await vault.exists()).toBe(false);
    expect(session.snapshot()).toEqual({});
    expect(await rawRecords(indexedDB)).toEqual([]);
    await expect(vault.unlock(PASSWORD)).rejects.toMatchObject({ code: 'vault_empty' });
  });

  it('checks the lock state in storage once, and a check running while it locks does not keep it unlocked', async () => {
    const { vault, session } = setup();
    await vault.create(SECRET, PASSWORD);
    const key = await vault.storageKey('inbox-cache'); // derived once, from the secret
    let reads = 0;
    const get = session.get.bind(session);
    session.get = (key: string | null) => {
      reads++;
      return get(key);
    };
    expect(await vault.isUnlocked()).toBe(true);
    expect(await vault.storageKey('inbox-cache')).toBe(key);
    expect(reads).toBe(0); // known since the first check: no storage read for the next ones
    await vault.lock();
    // A check that starts before a lock and reads storage before the entry is gone must not be remembered.
    await vault.unlock(PASSWORD);
    const racing = vault.isUnlocked();
    const locking = vault.lock();
    expect(await racing).toBe(true); // it read the entry before lock removed it
    await locking;
    expect(await vault.isUnlocked()).toBe(false);
    await expect(vault.storageKey('inbox-cache')).rejects.toMatchObject({ code: 'vault_locked' });
    await vault.unlock(PASSWORD);
    expect(await vault.isUnlocked()).toBe(true);
    await vault.wipe();
    expect(await vault.isUnlocked()).toBe(false);
  });
});

// Issue #21: a costlier KDF for new records, and records made under the old setting still open and move up.
describe('vault KDF cost', () => {
  type StoredRecord = { id: string; kdf: { iterations: number; salt: string }; createdAt: number };

  it('derives new records with at least 1,000,000 PBKDF2 iterations', async () => {
    const { vault, indexedDB } = setup();
    await vault.create(SECRET, PASSWORD);
    const [record] = (await rawRecords(indexedDB)) as StoredRecord[];
    expect(record!.kdf.iterations).toBeGreaterThanOrEqual(1_000_000);
  });

  it('opens a record made with 600,000 iterations and rewrites it under the current cost on unlock', async () => {
    const indexedDB = new IDBFactory();
    const legacy = createVault({ indexedDB, session: createMemoryArea(), iterations: 600_000 });
    await legacy.create(SECRET, PASSWORD);
    const sealed = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: new Uint8Array(12) },
      await legacy.storageKey('cache'),
      new TextEncoder().encode('conversation cache'),
    );
    const [before] = (await rawRecords(indexedDB)) as StoredRecord[];
    expect(before!.kdf.iterations).toBe(600_000);

    // The extension after the update: same database, default cost.
    const vault = createVault({ indexedDB, session: createMemoryArea() });
    await expect(vault.unlock('wrong password')).rejects.toMatchObject({ code: 'wrong_password' });
    expect(await rawRecords(indexedDB)).toEqual([before]);
    await vault.unlock(PASSWORD);
    const [after] = (await rawRecords(indexedDB)) as StoredRecord[];
    expect(after!.kdf.iterations).toBeGreaterThanOrEqual(1_000_000);
    expect(after!.kdf.salt).not.toBe(before!.kdf.salt);
    expect(after!.id).not.toBe(before!.id);
    expect(after!.createdAt).toBe(before!.createdAt);
    expect(await vault.readSecret()).toBe(SECRET);
    // Records encrypted under a storage key before the rewrite still open: the key comes from the secret.
    const opened = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: new Uint8Array(12) },
      await vault.storageKey('cache'),
      sealed,
    );
    expect(new TextDecoder().decode(opened)).toBe('conversation cache');
    await vault.lock();
    await vault.unlock(PASSWORD);
    expect((await rawRecords(indexedDB)) as StoredRecord[]).toEqual([after]);
  });
});
