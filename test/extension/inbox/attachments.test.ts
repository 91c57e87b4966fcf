import 'fake-indexeddb/auto';
import { randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPayloadCache } from '@/extension/attachments/payload-cache';
import { createInboxCache } from '@/extension/cache/cache';
import { CONTENT_TYPES, type MessageRecord } from '@/extension/cache/records';
import { createIdbPersistence, vaultPersistenceKey } from '@/extension/client/idb-persistence';
import { createXmtpClientAdapter } from '@/extension/client/xmtp-adapter';
import { createInboxService } from '@/extension/inbox/service';
import { createMemoryArea } from '../../helpers/memory-area';
import { createVault } from '@/extension/vault/vault';
import { createTabWallet } from '@/extension/wallet/tab-wallet';
import { toBase64, fromBase64 } from '@/protocol/bytes';
import { startTestNode, type TestNode } from '../../network/helpers';
import { testCacheKeys } from '../cache/test-keys';
import { until } from '../../helpers/until';

// Files through the inbox service (issue #16), over the real client and a real node with its attachment
// store: small ones inline, large ones encrypted and uploaded; the popup gets summaries, the bytes only on
// request; a tampered or missing payload is a clear error, never bytes.
let node: TestNode;
beforeAll(async () => {
  node = await startTestNode({ auth: true });
});
afterAll(() => node.close());

function inboxService(indexedDB = new IDBFactory(), fetchFn: typeof fetch = fetch) {
  const vault = createVault({ indexedDB, session: createMemoryArea() });
  return createInboxService({
    vault,
    cache: createInboxCache({ keys: testCacheKeys(), indexedDB }),
    local: createMemoryArea(),
    adapter: createXmtpClientAdapter({
      persistence: createIdbPersistence(indexedDB, { key: vaultPersistenceKey(vault) }),
      WebSocket,
    }),
    wallet: createTabWallet({ queryTabs: async () => [], sendToTab: async () => undefined }),
    fetch: fetchFn,
    payloads: createPayloadCache(indexedDB),
  });
}

const file = (size: number) => new Uint8Array(randomBytes(size));

describe('attachments in the inbox service', () => {
  const downloads: string[] = [];
  const countingFetch: typeof fetch = (input, init) => {
    downloads.push(String(input));
    return fetch(input, init);
  };
  const alice = inboxService();
  const bob = inboxService(new IDBFactory(), countingFetch);
  let aliceTopic = '';
  let bobTopic = '';

  beforeAll(async () => {
    await alice.createLocalKey({ password: 'correct horse battery', nodes: [node.url] });
    const bobState = await bob.createLocalKey({ password: 'correct horse battery', nodes: [node.url] });
    aliceTopic = (await alice.newConversation(bobState.address!)).topic;
    await bob.refresh();
    bobTopic = (await until(async () => (await bob.listConversations())[0], 'the conversation'))!.topic;
  });

  async function received(id: string): Promise<MessageRecord> {
    return until(async () => {
      await bob.refresh();
      return (await bob.listMessages(bobTopic)).find((m) => m.id === id);
    }, `message ${id}`);
  }

  it('sends a small file inline and a large one as a remote attachment; both load back byte for byte', async () => {
    const small = file(20_000);
    const large = file(1_500_000);
    const updates: string[] = [];
    const stop = alice.subscribe((update) => {
      if (update.kind === 'messages') updates.push(update.kind);
    });
    const inline = await alice.send(aliceTopic, {
      type: 'attachment',
      filename: 'dot.png',
      mimeType: 'image/png',
      data: toBase64(small),
    });
    const remote = await alice.send(aliceTopic, {
      type: 'attachment',
      filename: 'big.bin',
      mimeType: 'application/octet-stream',
      data: toBase64(large),
    });
    stop();
    expect(inline).toMatchObject({
      status: 'sent',
      contentType: CONTENT_TYPES.attachment,
      content: { filename: 'dot.png', mimeType: 'image/png', size: 20_000, remote: false },
    });
    expect(remote).toMatchObject({
      status: 'sent',
      contentType: CONTENT_TYPES.remoteAttachment,
      content: { filename: 'big.bin', size: 1_500_000, remote: true },
    });
    // The uploaded payload sits in the node's store, under its digest.
    const shards = readdirSync(join(node.dataDir, 'attachments')).filter((d) => d.length === 2);
    expect(shards.length).toBeGreaterThan(0);

    const bobInline = await received(inline.id);
    const bobRemote = await received(remote.id);
    // What the popup lists holds neither the bytes nor the keys.
    for (const record of [bobInline, bobRemote]) {
      const text = JSON.stringify(record);
      expect(text).not.toContain('base64');
      expect(text).not.toContain('secret');
    }
    expect(bobRemote.content).toEqual({ filename: 'big.bin', size: 1_500_000, remote: true });
    const loadedInline = await bob.loadAttachment(inline.id);
    expect(loadedInline).toMatchObject({ filename: 'dot.png', mimeType: 'image/png' });
    expect(fromBase64(loadedInline.data)).toEqual(small);
    const loadedRemote = await bob.loadAttachment(remote.id);
    expect(loadedRemote.mimeType).toBe('application/octet-stream');
    expect(fromBase64(loadedRemote.data)).toEqual(large);
    // Cached (still encrypted): the second view downloads nothing.
    const before = downloads.filter((u) => u.includes('/attachments/')).length;
    await bob.loadAttachment(remote.id);
    expect(downloads.filter((u) => u.includes('/attachments/')).length).toBe(before);
    // The inbox list says what came.
    const [conversation] = await bob.listConversations();
    expect(conversation?.lastMessage?.preview).toBe('📎 big.bin');
  });

  it('refuses a file over the limit, an empty one and bad base64, with errors that say so', async () => {
    await expect(
      alice.send(aliceTopic, { type: 'attachment', filename: 'x', mimeType: 'text/plain', data: '' }),
    ).rejects.toMatchObject({ code: 'empty_file' });
    await expect(
      alice.send(aliceTopic, {
        type: 'attachment',
        filename: 'x',
        mimeType: 'text/plain',
        data: 'no base64!',
      }),
    ).rejects.toMatchObject({ code: 'invalid_content' });
    await expect(
      alice.send(aliceTopic, { type: 'attachment', filename: 'x', mimeType: 'not a type', data: 'AAAA' }),
    ).rejects.toMatchObject({ code: 'invalid_content' });
    const tooBig = 'A'.repeat(Math.ceil(((25 * 1024 * 1024 + 3) * 4) / 3 / 4) * 4);
    await expect(
      alice.send(aliceTopic, { type: 'attachment', filename: 'x', mimeType: 'text/plain', data: tooBig }),
    ).rejects.toMatchObject({ code: 'file_too_large', message: expect.stringContaining('26214400') });
  });

  it('shows a tampered payload and a missing one as errors, and keeps nothing of them', async () => {
    const sent = await alice.send(aliceTopic, {
      type: 'attachment',
      filename: 'tampered.bin',
      mimeType: 'application/octet-stream',
      data: toBase64(file(1_100_000)),
    });
    await received(sent.id);
    // Flip the stored payload on the node: same name (digest), other bytes.
    const dir = join(node.dataDir, 'attachments');
    const paths = readdirSync(dir)
      .filter((d) => d.length === 2)
      .flatMap((shard) => readdirSync(join(dir, shard)).map((name) => join(dir, shard, name)));
    const listed = await bob.listMessages(bobTopic);
    expect(listed.find((m) => m.id === sent.id)).toBeDefined();
    for (const path of paths) writeFileSync(path, file(1000));
    await expect(bob.loadAttachment(sent.id)).rejects.toMatchObject({ code: 'content_digest_mismatch' });
    // Gone from the node: a 404 says the file is unavailable.
    const { rmSync } = await import('node:fs');
    for (const path of paths) rmSync(path);
    await expect(bob.loadAttachment(sent.id)).rejects.toMatchObject({
      code: 'remote_attachment_unavailable',
      message: expect.stringContaining('404'),
    });
  });

  it('marks a file whose upload failed as not sent, and sends it on retry', async () => {
    // Upload to an address where nothing listens: the message fails and keeps the file for a retry.
    await alice.updateSettings({ uploadUrl: 'http://127.0.0.1:9' });
    const failed = await alice.send(aliceTopic, {
      type: 'attachment',
      filename: 'retry.bin',
      mimeType: 'application/octet-stream',
      data: toBase64(file(1_000_000)),
    });
    expect(failed).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^network_error: cannot reach/),
    });
    await alice.updateSettings({ uploadUrl: '' });
    const retried = await alice.retry(failed.id);
    expect(retried).toMatchObject({ status: 'sent', contentType: CONTENT_TYPES.remoteAttachment });
    expect(fromBase64((await bob.loadAttachment((await received(retried.id)).id)).data)).toHaveLength(
      1_000_000,
    );
  });
});
