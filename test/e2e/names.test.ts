import { AttachmentCodec, ContentTypeAttachment } from '@xmtp/content-type-remote-attachment';
import { Client as XmtpJsClient } from '@xmtp/xmtp-js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnsChain, type EnsChain } from '../helpers/ens-chain';
import { makePng } from '../helpers/png';
import { viemWallet } from '../helpers/wallet';
import { startTestNode, type TestNode } from '../network/helpers';
import {
  buildExtension,
  launchExtension,
  popupRequest,
  screenshot,
  type ExtensionSession,
  createLocalAccount,
} from './harness';

// ENS in the popup (issue #16 item 4), against a real local chain: ganache, the registry and resolver compiled
// with solc-js and deployed by the test, records set by transactions. The worker resolves through the chain's
// JSON-RPC with real eth_calls; xmtp-js peers message the extension through a real node.

describe('ENS names and avatars in the popup', { timeout: 180_000 }, () => {
  let chain: EnsChain;
  let node: TestNode;
  let extension: ExtensionSession;
  let popup: Page;
  let address: string;
  const alice = viemWallet();
  const mallory = viemWallet();
  const bob = viemWallet();
  const clients: XmtpJsClient[] = [];
  const avatar = Buffer.from(
    makePng(48, 48, (x, y) => (((x * 5) & 0xff) << 16) | (((y * 5) & 0xff) << 8) | 0xc0),
  ).toString('base64');

  beforeAll(async () => {
    [chain, node] = await Promise.all([startEnsChain(), startTestNode(), buildExtension()]);
    await chain.register('alice.eth', alice.address, { avatar: `data:image/png;base64,${avatar}` });
    await chain.setReverse(alice.address, 'alice.eth');
    await chain.setReverse(mallory.address, 'alice.eth'); // a claim that does not point back
    await chain.register('bob.eth', bob.address);
    extension = await launchExtension();
    popup = await extension.openPopup();
    address = await createLocalAccount(popup, { password: 'correct horse battery', nodes: [node.url] });
    await popupRequest(popup, 'settings.update', {
      ens: true,
      ensRpcUrl: chain.rpcUrl,
      ensRegistry: chain.registry,
    });
    for (const wallet of [alice, mallory, bob]) {
      clients.push(
        await XmtpJsClient.create(wallet, {
          env: 'local',
          apiUrl: node.url,
          codecs: [new AttachmentCodec()],
        }),
      );
    }
    await popup.reload();
  });

  afterAll(async () => {
    for (const client of clients) await client.close();
    await extension?.close();
    await node?.close();
    await chain?.close();
  });

  it('shows a verified name with its avatar, and the address for a reverse record that does not point back', async () => {
    const [aliceClient, malloryClient] = clients as [XmtpJsClient, XmtpJsClient];
    const fromAlice = await aliceClient.conversations.newConversation(address);
    await fromAlice.send('gm! the notes are at https://xmtp.org/docs');
    await fromAlice.send(
      {
        filename: 'sunset.png',
        mimeType: 'image/png',
        data: makePng(160, 100, (x, y) => ((255 - y) << 16) | ((x + 60) << 8) | 0x40),
      },
      { contentType: ContentTypeAttachment },
    );
    await fromAlice.send(
      { filename: 'agenda.txt', mimeType: 'text/plain', data: new TextEncoder().encode('1. ship\n') },
      { contentType: ContentTypeAttachment },
    );
    const fromMallory = await malloryClient.conversations.newConversation(address);
    await fromMallory.send('hello, I am alice.eth (not really)');

    const requests = popup.getByRole('button', { name: /Requests/ });
    await requests.waitFor({ timeout: 20_000 });
    await requests.click();
    const aliceRow = popup
      .locator('.conversation')
      .filter({ has: popup.locator('.peer', { hasText: 'alice.eth' }) });
    await popup.locator('.conversation').filter({ hasText: 'not really' }).waitFor({ timeout: 20_000 });
    await aliceRow.waitFor({ timeout: 20_000 });
    // Mallory's row keeps her address: her claim does not resolve back to her.
    const malloryRow = popup.locator('.conversation').filter({ hasText: 'not really' });
    await expect(malloryRow.locator('.peer').textContent()).resolves.toBe(
      `${mallory.address.slice(0, 6)}…${mallory.address.slice(-4)}`,
    );
    await expect(popup.locator('.conversation .peer', { hasText: 'alice.eth' }).count()).resolves.toBe(1);
    const avatarImg = aliceRow.locator('img.avatar');
    await avatarImg.waitFor({ timeout: 10_000 });
    expect(await avatarImg.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(48);

    // Allow Alice and open her thread: the name in the header, the address one click away.
    await aliceRow.click();
    await popup.getByRole('button', { name: 'Allow' }).click();
    const title = popup.locator('.peer-title');
    await title.getByRole('button', { name: 'alice.eth' }).waitFor({ timeout: 10_000 });
    await popup.locator('.thumb img[alt="sunset.png"]').waitFor({ timeout: 15_000 });
    await popup.locator('.file-card').filter({ hasText: 'agenda.txt' }).waitFor();
    await screenshot(popup, 'thread-rich', 'docs/screenshots');
    await title.getByRole('button', { name: 'alice.eth' }).click();
    await expect(title.locator('.address').textContent()).resolves.toBe(alice.address);
  });

  it('starts a conversation from name.eth with the address it resolves to', async () => {
    await popup.getByRole('button', { name: 'Back to inbox' }).click();
    await popup.getByRole('button', { name: /New conversation/ }).click();
    await popup.getByLabel('Address or ENS name').fill('bob.eth');
    await popup.getByText(`bob.eth is ${bob.address}, on XMTP`).waitFor({ timeout: 15_000 });
    await popup.getByLabel('Address or ENS name').fill('nobody.eth');
    await popup.getByText('nobody.eth does not point to an address').waitFor({ timeout: 15_000 });
    await popup.getByLabel('Address or ENS name').fill('bob.eth');
    const start = popup.getByRole('button', { name: 'Start conversation' });
    await expect.poll(() => start.isEnabled(), { timeout: 15_000 }).toBe(true);
    await start.click();
    await popup.locator('.composer textarea').waitFor();
    const conversations = (await popupRequest(popup, 'conversations.list', {})) as {
      result: { peerAddress: string }[];
    };
    expect(conversations.result.map((c) => c.peerAddress)).toContain(bob.address);
  });
});
