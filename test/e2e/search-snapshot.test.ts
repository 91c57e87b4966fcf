import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRecord } from '@/extension/cache/records';
import { createLocalWallet } from '@/extension/client/local-wallet';
import type { BackgroundHandle } from '@/extension/runtime/start-background';
import { encodePrivateKeyBundle } from '@/protocol/bundles';
import { toBase64 } from '@/protocol/bytes';
import { createPrivateKeyBundle } from '@/protocol/identity';
import { until } from '../helpers/until';
import { buildExtension, launchExtension, popupRequest, type ExtensionSession } from './harness';

// The search index's sealed snapshot in the real extension (issue #17 items 4 and 5): written by the worker after
// the first build, unreadable in raw IndexedDB after lock, used by a restarted worker, and rebuilt when damaged.
const wallet = createLocalWallet();
const SELF = wallet.address;
const PEER = '0x' + '42'.repeat(20);
const TOPIC = '/xmtp/0/m-snapshot/proto';
const PASSWORD = 'correct horse battery';
const SECRET = 'quetzal lighthouse rendezvous';

function history(now: number): MessageRecord[] {
  return Array.from({ length: 600 }, (_, i) => ({
    id: `s${i}`,
    topic: TOPIC,
    senderAddress: i % 2 ? PEER : SELF,
    sentAt: now - (600 - i) * 60_000,
    contentType: 'xmtp.org/text:1.0',
    content: i === 3 ? SECRET : `ordinary message ${i}`,
    status: 'sent' as const,
  }));
}

type Reply = { result?: { groups: { topic: string; hits: { id: string }[] }[] }; error?: { code?: string } };
const search = async (page: Page, query: string) =>
  ((await popupRequest(page, 'messages.search', { query })) as Reply).result?.groups.flatMap((g) =>
    g.hits.map((h) => h.id),
  );

/** The sealedSearch store of the cache database, read raw in the worker: its records as latin1 text. */
async function rawSnapshot(extension: ExtensionSession): Promise<string> {
  return (await extension.worker()).evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open('xmtp-inbox-cache');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const all = open.result.transaction('sealedSearch').objectStore('sealedSearch').getAll();
          all.onsuccess = () => {
            open.result.close();
            resolve(
              JSON.stringify(all.result, (_, v: unknown) =>
                v instanceof Uint8Array ? Array.from(v, (b) => String.fromCharCode(b)).join('') : v,
              ),
            );
          };
        };
      }),
  );
}

describe('search index snapshot in Chromium', () => {
  let extension: ExtensionSession;
  let page: Page;

  beforeAll(async () => {
    await buildExtension();
    extension = await launchExtension();
    const keyBundle = toBase64(encodePrivateKeyBundle(await createPrivateKeyBundle(wallet)));
    await (
      await extension.worker()
    ).evaluate(
      async ({ messages, self, peer, topic, password, keyBundle }) => {
        const handle = (globalThis as unknown as { xmtpInbox: BackgroundHandle }).xmtpInbox;
        await handle.vault.create(keyBundle, password);
        await (
          globalThis as unknown as { chrome: { storage: { local: { set(v: unknown): Promise<void> } } } }
        ).chrome.storage.local.set({
          account: { address: self, identity: 'local' },
          settings: { nodes: ['http://127.0.0.1:9'], autoLockMinutes: 15, notifications: false },
        });
        await handle.cache.putConversations([{ topic, peerAddress: peer, createdAt: 1, consent: 'allowed' }]);
        await handle.cache.addMessages(messages, self);
      },
      { messages: history(Date.now()), self: SELF, peer: PEER, topic: TOPIC, password: PASSWORD, keyBundle },
    );
    page = await extension.openPopup();
  });

  afterAll(async () => {
    await extension?.close();
  });

  it('is written after the first build and holds no message text once locked', async () => {
    expect(await search(page, 'quetz light')).toEqual(['s3']);
    // The worker writes it ~10 s after a build from the messages.
    await until(
      async () => (await rawSnapshot(extension)).length > 1_000,
      'the search snapshot',
      40_000,
      500,
    );
    await popupRequest(page, 'vault.lock', {});
    expect(
      ((await popupRequest(page, 'messages.search', { query: 'quetzal' })) as Reply).error,
    ).toBeDefined();
    const raw = await rawSnapshot(extension);
    for (const secret of [
      'quetzal',
      'lighthouse',
      'rendezvous',
      'ordinary message',
      PEER,
      PEER.slice(2),
      TOPIC,
    ])
      expect(raw.includes(secret), `in the clear: ${secret}`).toBe(false);
  });

  it('serves a restarted worker after unlock, and is rebuilt from the messages when damaged', async () => {
    await popupRequest(page, 'vault.unlock', { password: PASSWORD });
    // Stopped with the popup open (its next request starts a new worker, with a new, empty index).
    await extension.stopWorker();
    expect(await search(page, 'RENDEZ')).toEqual(['s3']);

    // Damage it at rest (flip its sealed bytes) and restart: the search still finds every message.
    await (
      await extension.worker()
    ).evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('xmtp-inbox-cache');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const tx = open.result.transaction('sealedSearch', 'readwrite');
            const store = tx.objectStore('sealedSearch');
            const read = store.get('index');
            read.onsuccess = () => {
              const sealed = read.result as { nonce: Uint8Array; data: Uint8Array };
              sealed.data = sealed.data.map((b) => b ^ 0xff);
              store.put(sealed, 'index');
            };
            tx.oncomplete = () => {
              open.result.close();
              resolve();
            };
          };
        }),
    );
    await extension.stopWorker();
    expect(await search(page, 'lighthouse')).toEqual(['s3']);
    expect((await search(page, 'ordinary'))?.length).toBe(200);
  });
});
