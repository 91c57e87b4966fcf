import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentTypeReadReceipt, ReadReceiptCodec } from '@xmtp/content-type-read-receipt';
import { Client as XmtpJsClient, type Conversation as XmtpJsConversation } from '@xmtp/xmtp-js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@/client';
import type { BackgroundHandle } from '@/extension/runtime/start-background';
import { startNode, type XmtpNode } from '@/network/node';
import { decodePrivateKeyBundle } from '@/protocol/bundles';
import { fromBase64, toBase64, toBase64Url, toHex } from '@/protocol/bytes';
import { fuzzed, handMade, RAW, rawCodec } from '../extension/ui/peer-content-cases';
import {
  buildExtension,
  launchExtension,
  popupRequest,
  screenshot,
  type ExtensionSession,
  createLocalAccount,
} from './harness';
import { until } from '../helpers/until';
import { randomXmtpJsWallet } from '../helpers/xmtp-js-wallet';

// The end-to-end proofs against the official SDK: xmtp-js 13.0.4 on one side, the extension in
// Chromium on the other, a real node between them. Badge, reply, a stopped worker, a failed send while the
// node is down, and the raw IndexedDB after lock.
const PASSWORD = 'correct horse battery';

describe('the extension and an xmtp-js user through a real node', { timeout: 90_000 }, () => {
  let node: XmtpNode;
  let port: number;
  let dataDir: string;
  let extension: ExtensionSession;
  let popup: Page;
  let address: string;
  let friend: XmtpJsClient;
  let conversation: XmtpJsConversation;

  const startOurNode = async () => {
    node = await startNode({ port, dataDir, rateLimit: false });
  };
  const badge = async () =>
    (await extension.worker()).evaluate(() =>
      (
        globalThis as unknown as { chrome: { action: { getBadgeText(d: object): Promise<string> } } }
      ).chrome.action.getBadgeText({}),
    );
  const bubbles = (text: string) => popup.locator('.message .bubble').filter({ hasText: text });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-e2e-xmtpjs-'));
    port = 0;
    await Promise.all([startOurNode(), buildExtension()]);
    port = Number(new URL(node.url).port);
    extension = await launchExtension();
    popup = await extension.openPopup();
    address = await createLocalAccount(popup, { password: PASSWORD, nodes: [node.url] });
    await popup.reload();
    await popup.getByText('No conversations yet.').waitFor({ timeout: 15_000 });
    // rawCodec lets the friend put any EncodedContent on the wire (the malformed-content test).
    friend = await XmtpJsClient.create(randomXmtpJsWallet(), {
      env: 'local',
      apiUrl: node.url,
      codecs: [rawCodec, new ReadReceiptCodec()],
    });
  });

  afterAll(async () => {
    await friend?.close();
    await extension?.close();
    await node?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows a message sent by xmtp-js in the popup, and the toolbar badge counts it', async () => {
    expect(await badge()).toBe('');
    expect(await friend.canMessage(address)).toBe(true);
    conversation = await friend.conversations.newConversation(address, {
      conversationId: 'e2e/xmtp-js',
      metadata: {},
    });
    await conversation.send('gm from xmtp-js');
    await until(async () => (await badge()) === '1', 'badge 1');
    await conversation.send('are you there?');
    await until(async () => (await badge()) === '2', 'badge 2');

    const requests = popup.getByRole('button', { name: /Requests/ });
    await requests.waitFor({ timeout: 15_000 });
    await requests.click();
    await expect(popup.locator('.request .preview').textContent()).resolves.toBe('are you there?');
    await popup.getByRole('button', { name: 'Allow' }).click();
    await popup.locator('.virtual-list .conversation').first().click();
    await bubbles('gm from xmtp-js').waitFor({ timeout: 10_000 });
    await bubbles('are you there?').waitFor();
    await until(async () => (await badge()) === '', 'badge cleared once read');
  });

  it('delivers a reply typed in the popup to xmtp-js, listed and streamed', async () => {
    const stream = await conversation.streamMessages();
    const streamed = (async () => {
      for await (const message of stream) if (message.senderAddress === address) return message.content;
      return undefined;
    })();
    const composer = popup.getByRole('textbox', { name: 'Message' });
    await composer.fill('gm xmtp-js, from the extension');
    await composer.press('Enter');
    await popup
      .locator('.message.mine.sent')
      .filter({ hasText: 'gm xmtp-js, from the extension' })
      .waitFor({ timeout: 15_000 });
    await expect(streamed).resolves.toBe('gm xmtp-js, from the extension');
    await stream.return();
    const listed = await conversation.messages();
    expect(listed.map((m) => [m.senderAddress, m.content])).toContainEqual([
      address,
      'gm xmtp-js, from the extension',
    ]);
  });

  it('sends a read receipt when the thread is opened, shows "Seen" for the peer\'s, and sends none once turned off', async () => {
    const receiptsFromUs = async () =>
      (await conversation.messages()).filter(
        (m) => m.senderAddress === address && m.contentType.sameAs(ContentTypeReadReceipt),
      ).length;
    // The first test opened the thread with two unread messages from an allowed peer: one receipt went out.
    await until(async () => (await receiptsFromUs()) === 1, 'a read receipt at xmtp-js');
    await expect(popup.locator('.seen').count()).resolves.toBe(0);
    await conversation.send({}, { contentType: ContentTypeReadReceipt });
    const seen = popup.locator('.message.mine').filter({ has: popup.locator('.seen') });
    await seen.waitFor({ timeout: 15_000 });
    await expect(seen.locator('.bubble').textContent()).resolves.toContain('gm xmtp-js, from the extension');
    await expect(popup.locator('.seen').count()).resolves.toBe(1);
    // Receipts are never messages: no bubble, no preview, no unread count.
    await expect(badge()).resolves.toBe('');

    // Opening with something unread again sends another; with the setting off, none.
    await conversation.send('one more');
    await bubbles('one more').waitFor({ timeout: 15_000 });
    await until(async () => (await receiptsFromUs()) === 2, 'a second read receipt');
    await popupRequest(popup, 'settings.update', { readReceipts: false });
    await conversation.send('no receipt for this one');
    await bubbles('no receipt for this one').waitFor({ timeout: 15_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await receiptsFromUs()).toBe(2);
    await popupRequest(popup, 'settings.update', { readReceipts: true });
  });

  it('keeps the thread and the list usable when xmtp-js sends malformed and unknown content types', async () => {
    // Issue #21 item 2, in the real popup: the thread is open on this conversation.
    for (const encoded of [...handMade(), ...fuzzed(40, 77)]) {
      await conversation.send(encoded, { contentType: RAW }).catch(() => undefined);
    }
    await conversation.send('docs at https://docs.example/start, not javascript:alert(1)');
    await conversation.send('a normal message after the odd ones');
    await bubbles('a normal message after the odd ones').waitFor({ timeout: 20_000 });
    await bubbles('A poll: tea or coffee?').waitFor();
    await popup.locator('.message.unsupported').first().waitFor();
    await expect(popup.locator('.unrenderable').count()).resolves.toBe(0);
    // Links in text are links (issue #16), opening in a new tab without access to the popup; nothing else is.
    const link = popup.locator('.bubble a[href="https://docs.example/start"]');
    await expect(link.getAttribute('rel')).resolves.toBe('noopener noreferrer');
    await expect(link.getAttribute('target')).resolves.toBe('_blank');
    await expect(popup.locator('.bubble a[href^="javascript"]').count()).resolves.toBe(0);
    // Still usable: a reply goes out, and the list shows the conversation with its last message.
    const composer = popup.getByRole('textbox', { name: 'Message' });
    await composer.fill('still here');
    await composer.press('Enter');
    await popup.locator('.message.mine.sent').filter({ hasText: 'still here' }).waitFor({ timeout: 15_000 });
    await popup.getByRole('button', { name: 'Back to inbox' }).click();
    await popup
      .locator('.conversation .preview')
      .filter({ hasText: 'still here' })
      .waitFor({ timeout: 10_000 });
    await expect(popup.locator('.unrenderable').count()).resolves.toBe(0);
    await popup.locator('.virtual-list .conversation').first().click();
    await bubbles('still here').waitFor({ timeout: 10_000 });
  });

  it('shows every message sent while the service worker was stopped, once each, after it restarts', async () => {
    // The extension's streams as the node counts them (xmtp-js streams over HTTP, not WebSocket).
    const streams = async () =>
      (await node.metrics.subscriptions.get()).values.find((v) => v.labels.transport === 'websocket')
        ?.value ?? 0;
    // Nothing may wake the worker while it is stopped: close the popup first (its update port would).
    await popup.close();
    await until(async () => (await streams()) >= 1, 'the worker to stream');
    const cdp = await extension.context.browser()!.newBrowserCDPSession();
    const { targetInfos } = (await cdp.send('Target.getTargets')) as {
      targetInfos: { type: string; url: string; targetId: string }[];
    };
    const target = targetInfos.find(
      (t) => t.type === 'service_worker' && t.url.includes(extension.extensionId),
    );
    await cdp.send('Target.closeTarget', { targetId: target!.targetId }); // as Chrome stops an idle worker
    await cdp.detach();
    await until(async () => (await streams()) === 0, 'the stopped worker to leave the node');

    const sent = ['while asleep 1', 'while asleep 2', 'while asleep 3'];
    for (const text of sent) await conversation.send(text);
    await new Promise((r) => setTimeout(r, 500));
    expect(await streams()).toBe(0); // still stopped after all three were sent

    // Opening the popup wakes the worker: it resumes its streams and catches up.
    popup = await extension.openPopup();
    await popup.locator('.virtual-list .conversation').first().click();
    for (const text of sent) await bubbles(text).waitFor({ timeout: 30_000 });
    await popup.waitForTimeout(1_000); // a late duplicate would show up here
    for (const text of sent) await expect(bubbles(text).count()).resolves.toBe(1);
    const conversations = (await popupRequest(popup, 'conversations.list', {})) as {
      result: { topic: string }[];
    };
    const messages = (await popupRequest(popup, 'messages.list', {
      topic: conversations.result[0]!.topic,
    })) as { result: { id: string; content: unknown }[] };
    const asleep = messages.result.filter((m) => sent.includes(m.content as string));
    expect(asleep.map((m) => m.content).sort()).toEqual(sent);
    expect(new Set(asleep.map((m) => m.id)).size).toBe(3);
    await screenshot(popup, 'thread-xmtp-js');
  });

  it('shows a browser notification for a new message only while the popup is closed', async () => {
    type Notifications = { getAll(): Promise<object>; clear(id: string): Promise<boolean> };
    const notifications = async (clear = false) =>
      (await extension.worker()).evaluate(async (clear) => {
        const api = (globalThis as unknown as { chrome: { notifications: Notifications } }).chrome
          .notifications;
        const ids = Object.keys(await api.getAll());
        if (clear) await Promise.all(ids.map((id) => api.clear(id)));
        return ids.length;
      }, clear);
    await notifications(true); // whatever the restarted worker showed before the popup reconnected
    await conversation.send('while the popup is open');
    await bubbles('while the popup is open').waitFor({ timeout: 15_000 });
    expect(await notifications()).toBe(0);

    await popup.close();
    await new Promise((r) => setTimeout(r, 300)); // the popup's ports reach the worker as closed
    await conversation.send('while the popup is closed');
    await until(async () => (await notifications()) === 1, 'a notification');
    popup = await extension.openPopup();
    await popup.locator('.virtual-list .conversation').first().click();
    await bubbles('while the popup is closed').waitFor({ timeout: 15_000 });
  });

  it('keeps a send that failed while the node was down visible with Retry, and delivers it once the node is back', async () => {
    await node.close();
    const composer = popup.getByRole('textbox', { name: 'Message' });
    await composer.fill('sent while the node is down');
    await composer.press('Enter');
    const failed = popup.locator('.message.failed').filter({ hasText: 'sent while the node is down' });
    await failed.waitFor({ timeout: 20_000 });
    const retry = failed.getByRole('button', { name: 'Retry' });
    await expect(retry.isVisible()).resolves.toBe(true);
    await screenshot(popup, 'thread-failed-send');

    await startOurNode();
    await retry.click();
    await popup
      .locator('.message.mine.sent')
      .filter({ hasText: 'sent while the node is down' })
      .waitFor({ timeout: 20_000 });
    await expect(failed.count()).resolves.toBe(0);
    await until(
      async () => (await conversation.messages()).some((m) => m.content === 'sent while the node is down'),
      'xmtp-js to list the retried message',
    );
  });

  it('keeps no private key, invitation key material, message text, draft or peer address in the clear after lock', async () => {
    // The secrets, read before lock: the identity and prekey private keys from the vault, and the V2
    // conversation's key material as the extension's identity opens its invitation (docs/protocol.md §8.3).
    const keyBundle = await (
      await extension.worker()
    ).evaluate(() => (globalThis as unknown as { xmtpInbox: BackgroundHandle }).xmtpInbox.vault.readSecret());
    const { bundle } = decodePrivateKeyBundle(fromBase64(keyBundle));
    const same = await Client.create(null, {
      nodes: [node.url],
      keyBundle: fromBase64(keyBundle),
      skipContactPublishing: true,
    });
    const v2 = (await same.conversations.list()).find((c) => c.context?.conversationId === 'e2e/xmtp-js');
    await same.close();
    const keyMaterial = (v2 as { keyMaterial?: Uint8Array } | undefined)?.keyMaterial;
    expect(keyMaterial).toHaveLength(32);
    const secrets = [bundle.identityKey.secretKey, ...bundle.preKeys.map((k) => k.secretKey), keyMaterial!];
    expect(secrets.length).toBeGreaterThanOrEqual(3);

    // A draft left in the composer is saved on leaving the thread, and must be sealed too.
    await popup.getByRole('textbox', { name: 'Message' }).fill('a draft nobody may read');
    await popup.keyboard.press('Escape');
    await expect
      .poll(() => popup.locator('.conversation .preview').first().textContent())
      .toContain('a draft nobody may read');
    await popup.getByRole('button', { name: 'Lock' }).click();
    await popup.getByRole('heading', { name: 'Unlock XMTP Inbox' }).waitFor({ timeout: 10_000 });

    // Every object store of every database of the extension, read raw in the worker. Bytes are written out
    // as hex and as latin1 text, so raw key bytes (hex search) and keys inside stored text (base64) both show.
    const dump = await (
      await extension.worker()
    ).evaluate(async () => {
      const asText = (value: unknown): string =>
        JSON.stringify(value, (_, v: unknown) => {
          const bytes =
            v instanceof ArrayBuffer
              ? new Uint8Array(v)
              : ArrayBuffer.isView(v)
                ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
                : undefined;
          if (!bytes) return v;
          return {
            hex: Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''),
            text: Array.from(bytes, (b) => String.fromCharCode(b)).join(''),
          };
        });
      const request = <T>(r: IDBRequest<T>) =>
        new Promise<T>((resolve, reject) => {
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
      const out: { database: string; store: string; records: number; text: string }[] = [];
      for (const info of await indexedDB.databases()) {
        const db = await request(indexedDB.open(info.name!));
        for (const store of Array.from(db.objectStoreNames)) {
          const tx = db.transaction(store);
          const [keys, values] = await Promise.all([
            request(tx.objectStore(store).getAllKeys()),
            request(tx.objectStore(store).getAll()),
          ]);
          out.push({ database: info.name!, store, records: values.length, text: asText({ keys, values }) });
        }
        db.close();
      }
      // And what the extension keeps in chrome.storage (settings, account, grants; the session area).
      const chromeStorage = (
        globalThis as unknown as {
          chrome: { storage: Record<'local' | 'session', { get(k: null): Promise<unknown> }> };
        }
      ).chrome.storage;
      for (const area of ['local', 'session'] as const) {
        const values = await chromeStorage[area].get(null);
        out.push({ database: `chrome.storage.${area}`, store: area, records: 1, text: asText(values) });
      }
      return out;
    });
    const databases = new Set(dump.map((d) => d.database));
    expect([...databases].sort()).toEqual(
      expect.arrayContaining(['xmtp-inbox-cache', 'xmtp-inbox-client', 'xmtp-inbox-vault']),
    );
    const all = dump.map((d) => d.text).join('\n');
    // The dump holds real data: both caches have records.
    expect(dump.find((d) => d.database === 'xmtp-inbox-client')!.records).toBeGreaterThan(0);
    expect(
      dump.filter((d) => d.database === 'xmtp-inbox-cache').reduce((n, d) => n + d.records, 0),
    ).toBeGreaterThan(10);
    // Issue #17 item 5: no message text, preview, peer address, conversation id or topic in the clear.
    const peer = friend.address;
    for (const known of [
      'gm from xmtp-js',
      'are you there?',
      'while asleep 2',
      'while the popup is closed',
      'a normal message after the odd ones',
      'a draft nobody may read',
      'e2e/xmtp-js',
      conversation.topic,
      peer,
      peer.toLowerCase(),
      peer.slice(2).toLowerCase(),
    ]) {
      expect(all.includes(known), `in the clear after lock: ${known}`).toBe(false);
    }
    for (const secret of secrets) {
      // Unpadded, so a key inside longer base64 is caught when it starts on a 3-byte boundary too.
      for (const form of [toHex(secret), toBase64(secret).replace(/=+$/, ''), toBase64Url(secret)]) {
        expect(all.includes(form), `a key in plaintext: ${form.slice(0, 8)}…`).toBe(false);
      }
    }
  });
});
