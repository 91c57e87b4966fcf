import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AttachmentCodec,
  ContentTypeAttachment,
  ContentTypeRemoteAttachment,
  RemoteAttachmentCodec,
  type Attachment,
  type RemoteAttachment,
} from '@xmtp/content-type-remote-attachment';
import { Client as XmtpJsClient, type Conversation as XmtpJsConversation } from '@xmtp/xmtp-js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadPayload } from '@/client/attachments';
import { remoteAttachmentFor } from '@/protocol/content';
import { createAuthToken } from '@/protocol/authn';
import { createPrivateKeyBundle } from '@/protocol/identity';
import { makePng } from '../helpers/png';
import { viemWallet } from '../helpers/wallet';
import { startSlowProxy, type SlowProxy } from '../helpers/slow-proxy';
import { makeTestCertificate } from '../helpers/tls';
import { startTestNode, type TestNode } from '../network/helpers';
import {
  buildExtension,
  EXTENSION_DIR,
  launchExtension,
  popupRequest,
  screenshot,
  type ExtensionSession,
  createLocalAccount,
} from './harness';
import { until as waitUntil } from '../helpers/until';

// Issue #16's files end to end: xmtp-js 13 (with @xmtp/content-type-remote-attachment) on one side, the
// extension in Chromium on the other, our node between them over https (its own TLS, a certificate made for
// the test and trusted by Chromium through its SPKI hash), its attachment store holding the payloads.
const PASSWORD = 'correct horse battery';

/** Files take a while on a loaded machine: 30 s unless told. */
const until = <T>(read: () => Promise<T | undefined | false>, what: string, ms = 30_000) =>
  waitUntil(read, what, ms);

/** A noise PNG of about `bytes` bytes (noise does not compress). */
const noisePng = (bytes: number) => {
  const side = Math.ceil(Math.sqrt(bytes / 3));
  const noise = randomBytes(side * side * 3);
  return makePng(side, side, (x, y) => noise.readUIntBE((y * side + x) * 3, 3));
};

describe('files between the extension and xmtp-js over https', { timeout: 180_000 }, () => {
  const certificate = makeTestCertificate();
  const spki = createHash('sha256')
    .update(new X509Certificate(certificate.pem).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
  const originalFetch = globalThis.fetch;
  let node: TestNode;
  let extension: ExtensionSession;
  let popup: Page;
  let address: string;
  let friend: XmtpJsClient;
  let conversation: XmtpJsConversation;
  let uploaderToken: () => string;
  let slow: SlowProxy | undefined;

  /** What an xmtp-js app does for a large file: encrypt with RemoteAttachmentCodec, upload, send the pointer. */
  async function sendRemote(attachment: Attachment, beforeSend?: () => void): Promise<void> {
    const encrypted = await RemoteAttachmentCodec.encodeEncrypted(attachment, new AttachmentCodec());
    const url = await uploadPayload(
      { ...encrypted, contentDigest: encrypted.digest },
      { uploadUrl: node.url, getToken: async () => uploaderToken(), fetch: certificate.fetch },
    );
    beforeSend?.();
    const remote: RemoteAttachment = remoteAttachmentFor(
      { ...encrypted, contentDigest: encrypted.digest },
      url,
      { filename: attachment.filename, size: attachment.data.length },
    );
    await conversation.send(remote, { contentType: ContentTypeRemoteAttachment });
  }

  beforeAll(async () => {
    // xmtp-js and RemoteAttachmentCodec.load use the global fetch: it trusts the test certificate.
    globalThis.fetch = certificate.fetch;
    [node] = await Promise.all([
      startTestNode({ tls: { cert: certificate.cert, key: certificate.key } }),
      buildExtension(),
    ]);
    const uploader = await createPrivateKeyBundle(viemWallet());
    uploaderToken = () => createAuthToken(uploader.identityKey, { nowMs: Date.now() });
    extension = await launchExtension(EXTENSION_DIR, [`--ignore-certificate-errors-spki-list=${spki}`]);
    popup = await extension.openPopup();
    address = await createLocalAccount(popup, { password: PASSWORD, nodes: [node.url] });
    await popup.reload();
    await popup.getByText('No conversations yet.').waitFor({ timeout: 15_000 });
    friend = await XmtpJsClient.create(viemWallet(), {
      env: 'local',
      apiUrl: node.url,
      codecs: [new AttachmentCodec(), new RemoteAttachmentCodec()],
    });
    conversation = await friend.conversations.newConversation(address, {
      conversationId: 'e2e/files',
      metadata: {},
    });
  });

  afterAll(async () => {
    globalThis.fetch = originalFetch;
    await slow?.close();
    await friend?.close();
    await extension?.close();
    await node?.close();
    certificate.remove();
  });

  it('shows an inline PNG and a 2 MB remote image from xmtp-js, and saves the remote one byte for byte', async () => {
    const small = makePng(64, 48, (x, y) => ((x * 4) << 16) | ((y * 5) << 8) | 0x80);
    await conversation.send(
      { filename: 'gradient.png', mimeType: 'image/png', data: small } satisfies Attachment,
      { contentType: ContentTypeAttachment },
    );
    const large = noisePng(2_000_000);
    expect(large.length).toBeGreaterThan(1_900_000);
    await sendRemote({ filename: 'noise.png', mimeType: 'image/png', data: large });
    await conversation.send('the spec is at https://xmtp.org/docs');
    await conversation.send(
      { filename: 'notes.txt', mimeType: 'text/plain', data: new TextEncoder().encode('meeting notes\n') },
      { contentType: ContentTypeAttachment },
    );

    const requests = popup.getByRole('button', { name: /Requests/ });
    await requests.waitFor({ timeout: 20_000 });
    await requests.click();
    await popup.getByRole('button', { name: 'Allow' }).click();
    await popup.locator('.virtual-list .conversation').first().click();
    const thumbs = popup.locator('.thumb img');
    await until(async () => (await thumbs.count()) === 2, 'two image thumbnails');
    // Both decode as images (a broken image has naturalWidth 0), from blob: URLs.
    await until(
      async () =>
        (await thumbs.evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth))).every(
          (w) => w > 0,
        ),
      'the thumbnails to decode',
    );
    const sources = await thumbs.evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).src));
    expect(sources.every((src) => src.startsWith('blob:chrome-extension://'))).toBe(true);
    expect(await thumbs.evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth))).toEqual(
      [64, Math.ceil(Math.sqrt(2_000_000 / 3))],
    );
    await popup.locator('.file-card').filter({ hasText: 'notes.txt' }).waitFor();
    await screenshot(popup, 'thread-files', 'docs/screenshots');

    await popup.getByRole('button', { name: 'Open noise.png full size' }).click();
    const lightbox = popup.getByRole('dialog', { name: 'noise.png' });
    await lightbox.waitFor();
    const [download] = await Promise.all([
      popup.waitForEvent('download'),
      lightbox.getByText('Save').click(),
    ]);
    expect(download.suggestedFilename()).toBe('noise.png');
    expect(new Uint8Array(readFileSync(await download.path()))).toEqual(large);
    await popup.keyboard.press('Escape');
    await lightbox.waitFor({ state: 'detached' });

    const [saved] = await Promise.all([
      popup.waitForEvent('download'),
      popup
        .locator('.file-card')
        .filter({ hasText: 'notes.txt' })
        .getByRole('button', { name: 'Save' })
        .click(),
    ]);
    expect(readFileSync(await saved.path(), 'utf8')).toBe('meeting notes\n');
  });

  it('sends a 3 MB file from the popup that xmtp-js loads with RemoteAttachmentCodec.load', async () => {
    const data = new Uint8Array(randomBytes(3_000_000));
    await popup.locator('input[type="file"]').setInputFiles({
      name: 'archive.bin',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(data),
    });
    await popup.locator('.attached').filter({ hasText: 'archive.bin' }).waitFor();
    // Uploads go through a proxy that slows what the worker sends (40 ms a chunk): on loopback the whole upload
    // would otherwise end before the popup draws its bubble.
    slow = await startSlowProxy(node.url, 40);
    await popupRequest(popup, 'settings.update', { uploadUrl: slow.url });
    // Every progress value the pending bubble shows during the upload, as the popup renders it.
    await popup.evaluate(() => {
      const seen: { value: number; text: string }[] = [];
      (window as unknown as { uploadProgress: typeof seen }).uploadProgress = seen;
      const record = () => {
        for (const bar of document.querySelectorAll('[role="progressbar"]')) {
          const value = Number(bar.getAttribute('aria-valuenow'));
          const text = bar.closest('.message')?.querySelector('.progress')?.textContent ?? '';
          if (seen.at(-1)?.value !== value) seen.push({ value, text });
        }
      };
      new MutationObserver(record).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['aria-valuenow'],
      });
    });
    await popup.getByRole('button', { name: 'Send', exact: true }).click();
    const cards = popup.locator('.message.mine .file-card').filter({ hasText: 'archive.bin' });
    await cards.first().waitFor({ timeout: 20_000 });
    await popup
      .locator('.message.mine.sent')
      .filter({ hasText: 'archive.bin' })
      .first()
      .waitFor({ timeout: 30_000 });
    // The upload showed its progress part by part (512 KiB parts: six for 3 MB), rising to 100 %.
    const progress = await popup.evaluate(
      () => (window as unknown as { uploadProgress: { value: number; text: string }[] }).uploadProgress,
    );
    const values = progress.map((p) => p.value);
    expect(values.length, JSON.stringify(progress)).toBeGreaterThanOrEqual(3);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    expect(values.at(-1)).toBe(100);
    expect(progress.some((p) => /^ · Uploading \d+(\.\d)? of 3\.0 MB · \d+ %$/.test(p.text))).toBe(true);
    // The stream may bring our own message back a moment before the pending copy is replaced: one stays.
    await expect.poll(() => cards.count(), { timeout: 10_000 }).toBe(1);
    const message = await until(async () => {
      const messages = await conversation.messages();
      return messages.find(
        (m) => m.senderAddress === address && m.contentType.sameAs(ContentTypeRemoteAttachment),
      );
    }, 'the remote attachment at xmtp-js');
    const remote = message.content as RemoteAttachment;
    // At the upload address the user set (here the slowing proxy in front of the node).
    expect(remote.url.startsWith(`${slow!.url}/attachments/v1/`)).toBe(true);
    expect(remote.filename).toBe('archive.bin');
    const loaded = await RemoteAttachmentCodec.load<Attachment>(remote, friend);
    expect(loaded.filename).toBe('archive.bin');
    expect(new Uint8Array(loaded.data)).toEqual(data);
  });

  it('shows a tampered payload (digest mismatch) as an error card, never a broken image', async () => {
    const dir = join(node.dataDir, 'attachments');
    const stored = () =>
      readdirSync(dir)
        .filter((d) => d.length === 2)
        .flatMap((shard) => readdirSync(join(dir, shard)).map((name) => join(dir, shard, name)));
    const before = new Set(stored());
    await sendRemote({ filename: 'tampered.png', mimeType: 'image/png', data: noisePng(1_200_000) }, () => {
      for (const path of stored()) if (!before.has(path)) writeFileSync(path, randomBytes(1000));
    });
    const card = popup.locator('.file-card.failed').filter({ hasText: 'tampered.png' });
    await card.waitFor({ timeout: 20_000 });
    await expect(card.locator('[role="alert"] summary').textContent()).resolves.toMatch(
      /changed after it was sent/,
    );
    await expect(popup.locator('.thumb img[alt="tampered.png"]').count()).resolves.toBe(0);
  });
});
