import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Conversation } from '@/client';
import { createLocalWallet } from '@/extension/client/local-wallet';
import { startNode, type XmtpNode } from '@/network/node';
import {
  buildExtension,
  launchExtension,
  screenshot,
  serveDapp,
  type DappServer,
  type ExtensionSession,
} from './harness';

// The whole path with nothing stood in: a real node, the extension in Chromium linking the dapp page's wallet
// (real Create and Enable Identity signatures through content script and main world), and a friend on our
// client in Node messaging it both ways.
describe('linking a dapp wallet and messaging through a real node', { timeout: 60_000 }, () => {
  let node: XmtpNode;
  let dataDir: string;
  let dapp: DappServer;
  let extension: ExtensionSession;
  let popup: Page;
  let walletAddress: string;
  let friend: Client;
  let friendConversation: Conversation;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-e2e-node-'));
    [node, dapp] = await Promise.all([
      startNode({ port: 0, dataDir, rateLimit: false }),
      serveDapp(),
      buildExtension(),
    ]);
    extension = await launchExtension();
  });

  afterAll(async () => {
    await friend?.close();
    await extension?.close();
    await dapp?.close();
    await node?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates the identity with two explained wallet signatures when the user asks for a network copy', async () => {
    const page = await extension.context.newPage();
    await page.goto(`${dapp.url}/?delay=1200`);
    walletAddress = await page
      .waitForFunction(() => (window as unknown as { testWallet?: { address: string } }).testWallet?.address)
      .then((h) => h.jsonValue() as Promise<string>);

    popup = await extension.openPopup();
    await popup
      .getByRole('radio', { name: new RegExp(dapp.url.replace(/[.]/g, '\\.')) })
      .waitFor({ timeout: 10_000 });
    await popup.getByLabel('Node URLs').fill(node.url);
    await popup.getByText(`${node.url}: reachable`).waitFor({ timeout: 10_000 });
    await popup.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await popup.getByLabel('Confirm password').fill('correct horse battery');
    // Off by default (issue #21: the page sees the signature that encrypts the stored copy); opted in here so
    // the second signature is explained too. The default, one signature and no stored copy, is in
    // test/extension/client/key-storage.test.ts.
    const storeCopy = popup.getByTestId('store-on-network');
    await expect(storeCopy.isChecked()).resolves.toBe(false);
    await storeCopy.check();
    await popup.getByRole('button', { name: 'Link wallet and continue' }).click();

    const status = popup.getByRole('status').filter({ hasText: 'XMTP : Create Identity' });
    await status.waitFor({ timeout: 15_000 });
    await screenshot(popup, 'linking-wallet', 'docs/screenshots');
    await popup
      .getByRole('status')
      .filter({ hasText: 'XMTP : Enable Identity' })
      .waitFor({ timeout: 15_000 });
    await popup.getByText('No conversations yet.').waitFor({ timeout: 20_000 });
    await expect(page.locator('#log li').allTextContents()).resolves.toEqual([
      'personal_sign: XMTP : Create Identity',
      'personal_sign: XMTP : Enable Identity',
    ]);
    const header = await popup.locator('.bar h1').getAttribute('title');
    expect(header?.toLowerCase()).toBe(walletAddress);
  });

  it('receives a message request from a friend, allows it, and replies', async () => {
    friend = await Client.create(createLocalWallet(), { nodes: [node.url], WebSocket });
    expect(await friend.canMessage(walletAddress)).toBe(true);
    friendConversation = await friend.conversations.newConversation(walletAddress);
    await friendConversation.send('hello from a friend');

    const requests = popup.getByRole('button', { name: /Requests/ });
    const deadline = Date.now() + 20_000;
    while (!(await requests.isVisible())) {
      if (Date.now() > deadline) throw new Error('no message request arrived');
      await popup.waitForTimeout(500);
    }
    await requests.click();
    await expect(popup.locator('.request .preview').textContent()).resolves.toBe('hello from a friend');
    await popup.getByRole('button', { name: 'Allow' }).click();
    await popup.locator('.virtual-list .conversation').first().waitFor({ timeout: 10_000 });

    await popup.locator('.virtual-list .conversation').first().click();
    await popup.locator('.message.theirs').filter({ hasText: 'hello from a friend' }).waitFor();
    const composer = popup.getByRole('textbox', { name: 'Message' });
    await composer.fill('hi friend, got it');
    await composer.press('Enter');
    await popup
      .locator('.message.mine.sent')
      .filter({ hasText: 'hi friend, got it' })
      .waitFor({ timeout: 15_000 });

    const seen = async () => (await friendConversation.messages()).map((m) => m.content);
    const until = Date.now() + 15_000;
    while (!(await seen()).includes('hi friend, got it')) {
      if (Date.now() > until) throw new Error('the friend never received the reply');
      await new Promise((r) => setTimeout(r, 300));
    }
    await friendConversation.send('see you soon');
    await popup.locator('.message.theirs').filter({ hasText: 'see you soon' }).waitFor({ timeout: 20_000 });
    await screenshot(popup, 'thread-live', 'docs/screenshots');
  });

  it('starts a new conversation by address with a conversation id, checked live', async () => {
    const other = await Client.create(createLocalWallet(), { nodes: [node.url], WebSocket });
    try {
      await popup.keyboard.press('Escape');
      await popup.getByRole('button', { name: 'New conversation' }).click();
      const address = popup.getByLabel('Address');
      await address.fill('0x1234');
      await popup.getByText('Not an address yet').waitFor();
      await address.fill('0x000000000000000000000000000000000000dEaD');
      await popup.getByText('has not used XMTP yet').waitFor({ timeout: 10_000 });
      await expect(popup.getByRole('button', { name: 'Start conversation' }).isDisabled()).resolves.toBe(
        true,
      );
      await address.fill(other.address);
      await popup.getByText('On XMTP').waitFor({ timeout: 10_000 });
      await popup.getByLabel('Conversation id (optional)').fill('example.com/orders/42');
      await popup.getByRole('button', { name: 'Start conversation' }).click();
      const composer = popup.getByRole('textbox', { name: 'Message' });
      await composer.waitFor();
      await composer.fill('about order 42');
      await composer.press('Enter');
      await popup
        .locator('.message.mine.sent')
        .filter({ hasText: 'about order 42' })
        .waitFor({ timeout: 15_000 });

      const deadline = Date.now() + 15_000;
      for (;;) {
        const conversations = await other.conversations.list();
        const found = conversations.find((c) => c.context?.conversationId === 'example.com/orders/42');
        if (found && (await found.messages()).some((m) => m.content === 'about order 42')) break;
        if (Date.now() > deadline) throw new Error('the new conversation never reached its peer');
        await new Promise((r) => setTimeout(r, 300));
      }
    } finally {
      await other.close();
    }
  });

  it('denies a message request, lists the sender as blocked in settings, and unblocks it', async () => {
    const stranger = await Client.create(createLocalWallet(), { nodes: [node.url], WebSocket });
    try {
      const conversation = await stranger.conversations.newConversation(walletAddress);
      await conversation.send('buy my token');
      await popup.keyboard.press('Escape');
      const requests = popup.getByRole('button', { name: /Requests/ });
      const deadline = Date.now() + 20_000;
      while (!(await requests.isVisible())) {
        if (Date.now() > deadline) throw new Error('no message request arrived');
        await popup.waitForTimeout(500);
      }
      await requests.click();
      await popup
        .locator('.request')
        .filter({ hasText: 'buy my token' })
        .getByRole('button', { name: 'Deny' })
        .click();
      await requests.waitFor({ state: 'detached', timeout: 10_000 });
      await expect(popup.locator('.preview').allTextContents()).resolves.not.toContain('buy my token');

      await popup.getByRole('button', { name: 'Settings' }).click();
      const blocked = popup.locator('.blocked li');
      await blocked.first().waitFor({ timeout: 10_000 });
      await expect(blocked.count()).resolves.toBe(1);
      await blocked.getByRole('button', { name: 'Unblock' }).click();
      await popup.getByText('Sender unblocked').waitFor();
      await blocked.first().waitFor({ state: 'detached', timeout: 5_000 });
      await popup.keyboard.press('Escape');
      await popup.locator('.preview').filter({ hasText: 'buy my token' }).waitFor({ timeout: 10_000 });
    } finally {
      await stranger.close();
    }
  });
});
