import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@/client';
import type { InboxState } from '@/extension/inbox/contract';
import { createLocalWallet } from '@/extension/client/local-wallet';
import { startNode, type XmtpNode } from '@/network/node';
import { buildExtension, launchExtension, popupRequest, screenshot, type ExtensionSession } from './harness';

// Issue #18 item 1 in Chromium: Settings → Backup writes an encrypted file through the browser's downloads; a
// second browser profile restores it from the onboarding screen (a wrong password first) and opens on the same
// inbox, pinned conversation and all.
const PASSWORD = 'correct horse battery';

describe('backup and restore in the popup', { timeout: 90_000 }, () => {
  let node: XmtpNode;
  let dir: string;
  let first: ExtensionSession;
  let second: ExtensionSession;
  let friend: Client;
  let address: string;
  let backupPath: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-e2e-backup-'));
    [node] = await Promise.all([
      startNode({ port: 0, dataDir: join(dir, 'node'), rateLimit: false }),
      buildExtension(),
    ]);
    first = await launchExtension();
  });

  afterAll(async () => {
    await friend?.close();
    await first?.close();
    await second?.close();
    await node?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports a backup file from Settings', async () => {
    const popup = await first.openPopup();
    const created = (await popupRequest(popup, 'onboarding.createLocal', {
      password: PASSWORD,
      nodes: [node.url],
    })) as {
      result: InboxState;
    };
    address = created.result.address!;
    friend = await Client.create(createLocalWallet(), { nodes: [node.url], WebSocket });
    await (await friend.conversations.newConversation(address)).send('a message worth keeping');
    // The message arrives as a request; allow it and pin the conversation (the popup's own buttons are tested
    // elsewhere), then check the list shows it.
    const list = async () =>
      ((await popupRequest(popup, 'conversations.list', {})) as { result: { topic: string }[] }).result;
    await expect.poll(async () => (await list()).length, { timeout: 20_000 }).toBe(1);
    const [{ topic }] = (await list()) as [{ topic: string }];
    await popupRequest(popup, 'conversations.setConsent', { topic, consent: 'allowed' });
    await popupRequest(popup, 'conversations.pin', { topic, pinned: true });
    await popup.reload();
    await popup.locator('.conversation').first().waitFor();

    await popup.getByRole('button', { name: 'Settings' }).click();
    const form = popup.getByRole('form', { name: 'Export a backup' });
    await form.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await form.getByLabel('Confirm password').fill(PASSWORD);
    await form.getByLabel(/Include the message history/).check();
    await form.scrollIntoViewIfNeeded();
    await screenshot(popup, 'backup-export', 'docs/screenshots');
    const [download] = await Promise.all([
      popup.waitForEvent('download', { timeout: 30_000 }),
      form.getByRole('button', { name: 'Export backup file' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^xmtp-inbox-${address}-.*\\.xmtpbackup$`));
    backupPath = join(dir, download.suggestedFilename());
    await download.saveAs(backupPath);
    await popup.getByRole('status').filter({ hasText: 'Backup saved as' }).waitFor();
    const text = readFileSync(backupPath, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ format: 'xmtp-inbox-backup', version: 1 });
    expect(text).not.toContain('a message worth keeping');
  });

  it('restores it in a fresh browser profile, after saying a wrong password is wrong', async () => {
    second = await launchExtension();
    const popup: Page = await second.openPopup();
    await popup.getByRole('heading', { name: 'Welcome to XMTP Inbox' }).waitFor();
    await popup.getByRole('button', { name: /Restore a backup/ }).click();
    await popup.getByLabel('Backup file').setInputFiles(backupPath);
    await popup.getByLabel('Backup password').fill('not the password');
    await popup.getByRole('button', { name: 'Restore backup' }).click();
    await expect(popup.getByRole('alert').locator('p').textContent({ timeout: 20_000 })).resolves.toContain(
      'The password does not open this backup',
    );
    await popup.getByLabel('Backup password').fill(PASSWORD);
    await screenshot(popup, 'backup-restore', 'docs/screenshots');
    await popup.getByRole('button', { name: 'Restore backup' }).click();
    await popup.getByRole('list', { name: 'Conversations' }).waitFor({ timeout: 20_000 });
    const state = (await popupRequest(popup, 'state.get', {})) as { result: InboxState };
    expect(state.result).toMatchObject({ vault: 'unlocked', address, identity: 'imported' });
    await expect(popup.locator('.conversation .preview').first().textContent()).resolves.toContain(
      'a message worth keeping',
    );
    const [conversation] = (
      (await popupRequest(popup, 'conversations.list', {})) as { result: { pinnedAt?: number }[] }
    ).result;
    expect(conversation!.pinnedAt).toEqual(expect.any(Number));
  });
});
