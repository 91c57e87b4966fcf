import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as XmtpJsClient, type Conversation as XmtpJsConversation } from '@xmtp/xmtp-js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationRecord } from '@/extension/cache/records';
import type { BackgroundHandle } from '@/extension/runtime/start-background';
import { startNode, type XmtpNode } from '@/network/node';
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

// Issue #17 (1, 2, 6) end to end: pin, mute, archive, mark unread and drafts in the built extension in
// Chromium, against a real node, with xmtp-js 13.0.4 users sending. The mute's short duration goes through
// the worker's own service (only code inside the extension's worker can reach it); the popup offers only
// 1 h, 8 h, 1 week and "until unmuted". Its end comes from the real browser alarm.
const PASSWORD = 'correct horse battery';
const MUTE_MS = 6_000;

const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

describe(
  'conversation actions and drafts, with xmtp-js users through a real node',
  { timeout: 120_000 },
  () => {
    let node: XmtpNode;
    let dataDir: string;
    let extension: ExtensionSession;
    let popup: Page;
    let address: string;
    /** Three xmtp-js users, each with a conversation with us. */
    const friends: { client: XmtpJsClient; conversation: XmtpJsConversation; topic: string }[] = [];
    /** The Archived view, for the docs screenshot. */
    let archivedView: Buffer | undefined;

    const badge = async () =>
      (await extension.worker()).evaluate(() =>
        (
          globalThis as unknown as { chrome: { action: { getBadgeText(d: object): Promise<string> } } }
        ).chrome.action.getBadgeText({}),
      );
    type Notifications = { getAll(): Promise<object>; clear(id: string): Promise<boolean> };
    const notifications = async (clear = false) =>
      (await extension.worker()).evaluate(async (clear) => {
        const api = (globalThis as unknown as { chrome: { notifications: Notifications } }).chrome
          .notifications;
        const ids = Object.keys(await api.getAll());
        if (clear) await Promise.all(ids.map((id) => api.clear(id)));
        return ids.length;
      }, clear);
    /** A conversation as the worker's cache holds it (works with the popup closed). */
    const cached = async (topic: string) =>
      (await extension.worker()).evaluate(
        (t) =>
          (globalThis as unknown as { xmtpInbox: BackgroundHandle }).xmtpInbox.service.getConversation(t),
        topic,
      ) as Promise<ConversationRecord>;
    /** The peers of the main list's rows, top to bottom. */
    const listed = () => popup.locator('.virtual-list .conversation .peer').allTextContents();
    const row = (i: number) =>
      popup
        .locator('.virtual-list .conversation-item')
        .filter({ hasText: short(friends[i]!.client.address) });
    const menuAction = async (i: number, name: string) => {
      await row(i).hover();
      await row(i)
        .getByRole('button', { name: /More actions/ })
        .click();
      await popup.getByRole('menu').getByRole('menuitem', { name }).click();
    };
    const reopen = async () => {
      await popup.close();
      popup = await extension.openPopup();
      await popup.getByRole('list', { name: 'Conversations' }).waitFor({ timeout: 15_000 });
    };

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-e2e-actions-'));
      [node] = await Promise.all([startNode({ port: 0, dataDir, rateLimit: false }), buildExtension()]);
      extension = await launchExtension();
      popup = await extension.openPopup();
      address = await createLocalAccount(popup, { password: PASSWORD, nodes: [node.url] });
      await popup.reload();
      await popup.getByText('No conversations yet.').waitFor({ timeout: 15_000 });
      const clients = await Promise.all(
        [0, 1, 2].map(() => XmtpJsClient.create(randomXmtpJsWallet(), { env: 'local', apiUrl: node.url })),
      );
      for (const [i, client] of clients.entries()) {
        const conversation = await client.conversations.newConversation(address, {
          conversationId: `e2e/actions/${i}`,
          metadata: {},
        });
        await conversation.send(`hello from friend ${i}`);
        friends.push({ client, conversation, topic: conversation.topic });
      }
    });

    afterAll(async () => {
      for (const { client } of friends) await client.close();
      await extension?.close();
      await node?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('allows several requests at once', async () => {
      await until(async () => (await badge()) === '3', 'badge 3');
      const requests = popup.getByRole('button', { name: /Requests/ });
      await requests.waitFor({ timeout: 15_000 });
      await requests.click();
      await popup.getByRole('checkbox', { name: 'Select all requests' }).check();
      await popup.getByRole('button', { name: 'Allow 3' }).click();
      await until(async () => (await listed()).length === 3, 'three conversations in the inbox');
      await expect(popup.getByRole('button', { name: /Requests/ }).count()).resolves.toBe(0);
      // Newest first: friend 2 wrote last.
      expect(await listed()).toEqual([2, 1, 0].map((i) => short(friends[i]!.client.address)));
    });

    it('pins: the pinned conversation goes to the top and stays there after the popup reopens', async () => {
      await menuAction(0, 'Pin to top');
      await until(async () => (await listed())[0] === short(friends[0]!.client.address), 'friend 0 on top');
      await expect(row(0).getByTitle('Pinned').count()).resolves.toBe(1);
      // A new message elsewhere does not move it.
      await friends[2]!.conversation.send('still below the pin');
      await until(
        async () => (await cached(friends[2]!.topic)).lastMessage?.preview === 'still below the pin',
        'the message',
      );
      await reopen();
      expect((await listed())[0]).toBe(short(friends[0]!.client.address));
      expect((await cached(friends[0]!.topic)).pinnedAt).toBeGreaterThan(0);
    });

    it('mutes: no badge count and no notification while muted; the mute ends by itself after its time', async () => {
      const topic = friends[1]!.topic;
      // Everything read first, so the badge counts only what comes next.
      await popupRequest(popup, 'conversations.markAllRead', {});
      await until(async () => (await badge()) === '', 'badge cleared');
      const mutedUntil = await (
        await extension.worker()
      ).evaluate(
        ([t, ms]) =>
          (globalThis as unknown as { xmtpInbox: BackgroundHandle }).xmtpInbox.service
            .mute(t, Date.now() + ms)
            .then((c) => c.mutedUntil!),
        [topic, MUTE_MS] as const,
      );
      await row(1)
        .getByTitle(/Muted until/)
        .waitFor({ timeout: 5_000 });
      // The popup's ports closed: a message now would notify, unless muted.
      await popup.close();
      await new Promise((r) => setTimeout(r, 300));
      await notifications(true);
      await friends[1]!.conversation.send('shh, muted');
      await until(async () => (await cached(topic)).unread === 1, 'the muted message in the cache');
      await new Promise((r) => setTimeout(r, 500)); // a badge update or a notification would show by now
      expect(await badge()).toBe('');
      expect(await notifications()).toBe(0);
      expect(Date.now()).toBeLessThan(mutedUntil); // all of that happened while still muted

      // The alarm ends it: no popup open, nothing else asks.
      await until(async () => (await cached(topic)).mutedUntil === undefined, 'the mute to end', 40_000);
      await until(async () => (await badge()) === '1', 'the badge to count it again');
      await friends[1]!.conversation.send('loud again');
      await until(async () => (await notifications()) === 1, 'a notification once unmuted');
      popup = await extension.openPopup();
      await popup.getByRole('list', { name: 'Conversations' }).waitFor({ timeout: 15_000 });
      await expect(row(1).getByTitle(/Muted/).count()).resolves.toBe(0);
    });

    it('archives: out of the list into Archived, and back on a new message from the peer', async () => {
      await menuAction(2, 'Archive');
      await until(async () => (await listed()).length === 2, 'two conversations left in the inbox');
      await popup.getByRole('button', { name: /Archived \(1\)/ }).click();
      await popup.getByRole('list', { name: 'Archived conversations' }).waitFor();
      await expect(popup.locator('.virtual-list .peer').allTextContents()).resolves.toEqual([
        short(friends[2]!.client.address),
      ]);
      archivedView = await popup.screenshot();
      await popup.keyboard.press('Escape');
      await popup.getByRole('list', { name: 'Conversations' }).waitFor();
      await friends[2]!.conversation.send('I am back');
      await until(async () => (await listed()).length === 3, 'the archived conversation back in the inbox');
      expect((await cached(friends[2]!.topic)).archivedAt).toBeUndefined();
      await expect(popup.getByRole('button', { name: /^Archived$/ }).count()).resolves.toBe(1);
    });

    it('marks unread from the keyboard: the unread marker and the badge', async () => {
      await popupRequest(popup, 'conversations.markAllRead', {});
      await until(async () => (await badge()) === '', 'badge cleared');
      await expect.poll(() => popup.locator('.virtual-list .conversation.unread').count()).toBe(0);
      // "/" searches, ↓ goes to the first row, j to the next; u marks the focused one unread.
      await popup.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await popup.keyboard.press('/');
      await expect(popup.evaluate(() => document.activeElement?.getAttribute('aria-label'))).resolves.toBe(
        'Search conversations',
      );
      await popup.keyboard.press('ArrowDown');
      await popup.keyboard.press('j');
      const second = await popup.evaluate(() => document.activeElement?.querySelector('.peer')?.textContent);
      expect(second).toBe((await listed())[1]);
      await popup.keyboard.press('u');
      await popup.locator('.virtual-list .conversation.unread').waitFor({ timeout: 5_000 });
      await until(async () => (await badge()) === '1', 'badge 1 for the conversation marked unread');
      // Focus stays visible on the row the keys act on.
      const outline = await popup.evaluate(() => getComputedStyle(document.activeElement!).boxShadow);
      expect(outline).not.toBe('none');
      // The shortcut list.
      await popup.keyboard.press('?');
      await popup.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
      await popup.keyboard.press('Escape');
      await expect(popup.getByRole('dialog').count()).resolves.toBe(0);
      await expect(popup.getByRole('list', { name: 'Conversations' }).count()).resolves.toBe(1);
    });

    it('keeps a draft through closing the popup and a worker restart, shows it in the list, and clears it on send', async () => {
      const topic = friends[2]!.topic;
      await row(2).locator('.conversation').click();
      const composer = popup.getByRole('textbox', { name: 'Message' });
      await composer.fill('a reply I will finish later');
      await new Promise((r) => setTimeout(r, 1_000));
      await popup.close();
      await extension.stopWorker();
      popup = await extension.openPopup();
      await popup.getByRole('list', { name: 'Conversations' }).waitFor({ timeout: 15_000 });
      await expect(row(2).locator('.preview.draft').textContent()).resolves.toBe(
        'Draft: a reply I will finish later',
      );
      expect((await cached(topic)).draft?.text).toBe('a reply I will finish later');

      // The screenshot: pinned, muted (until unmuted) and draft rows, one of them with its menu open.
      await popupRequest(popup, 'conversations.mute', { topic: friends[1]!.topic, duration: 'forever' });
      await row(1).getByTitle('Muted').waitFor();
      await friends[0]!.conversation.send('pinned and unread');
      await row(0).locator('.conversation.unread').waitFor({ timeout: 15_000 });
      const list = await popup.screenshot();
      await row(0).hover();
      await row(0)
        .getByRole('button', { name: /More actions/ })
        .click();
      await popup.getByRole('menu').waitFor();
      // Focus is on the first item; the arrow keys move it; Escape closes and gives it back to "⋯".
      const focusedItem = () => popup.evaluate(() => document.activeElement?.textContent);
      await expect.poll(focusedItem).toBe('Unpin' + 'P');
      await popup.keyboard.press('ArrowDown');
      await expect.poll(focusedItem).toBe('Mark as readU'); // it has an unread message
      const menu = await popup.screenshot();
      // The docs' picture: the list (pinned, muted, draft), a row's menu, the Archived view, side by side.
      const sheet = await extension.context.newPage();
      await sheet.setViewportSize({ width: 3 * 380 + 4 * 12, height: 600 + 24 });
      await sheet.setContent(
        `<body style="margin:0;padding:12px;display:flex;gap:12px;background:#d9dce3">${[
          list,
          menu,
          archivedView!,
        ]
          .map(
            (png) => `<img width="380" height="600" src="data:image/png;base64,${png.toString('base64')}">`,
          )
          .join('')}</body>`,
      );
      await screenshot(sheet, 'inbox-actions', 'docs/screenshots');
      await sheet.close();
      await popup.keyboard.press('Escape');
      await expect.poll(() => popup.getByRole('menu').count()).toBe(0);
      await expect(popup.evaluate(() => document.activeElement?.getAttribute('aria-haspopup'))).resolves.toBe(
        'menu',
      );

      await row(2).locator('.conversation').click();
      const reopened = popup.getByRole('textbox', { name: 'Message' });
      await expect.poll(() => reopened.inputValue()).toBe('a reply I will finish later');
      await reopened.press('Enter');
      await popup.locator('.message.mine.sent').filter({ hasText: 'a reply I will finish later' }).waitFor({
        timeout: 15_000,
      });
      await until(async () => (await cached(topic)).draft?.text === '', 'the draft cleared by the send');
      await popup.keyboard.press('Escape');
      await popup.getByRole('list', { name: 'Conversations' }).waitFor();
      await expect(row(2).locator('.preview.draft').count()).resolves.toBe(0);
    });

    it('acts from the thread header: its ⋯ menu mutes for an hour, Alt+M unmutes, Alt+P pins, e archives', async () => {
      const topic = friends[2]!.topic;
      await row(2).locator('.conversation').click();
      await popup.getByRole('list', { name: 'Messages' }).waitFor();
      await popup.getByRole('button', { name: 'Conversation actions' }).click();
      await popup.getByRole('menuitem', { name: 'Mute for 1 hour' }).click();
      await popup
        .locator('.thread .bar')
        .getByTitle(/Muted until/)
        .waitFor();
      const muted = await cached(topic);
      expect(muted.mutedUntil! - muted.mutedSetAt!).toBe(3_600_000);
      // Focus went back to the ⋯ button; in the composer, Alt with the letter works too.
      await expect(popup.evaluate(() => document.activeElement?.getAttribute('aria-label'))).resolves.toBe(
        'Conversation actions',
      );
      await popup.getByRole('textbox', { name: 'Message' }).focus();
      await popup.keyboard.press('Alt+m');
      await expect.poll(() => popup.locator('.thread .bar').getByTitle(/Muted/).count()).toBe(0);
      expect((await cached(topic)).mutedUntil).toBeUndefined();
      await popup.keyboard.press('Alt+p');
      await popup.locator('.thread .bar').getByTitle('Pinned').waitFor();
      expect((await cached(topic)).pinnedAt).toBeGreaterThan(0);
      await popup.getByRole('button', { name: 'Conversation actions' }).click();
      await popup.getByRole('menuitem', { name: 'Unpin' }).waitFor();
      await screenshot(popup, 'thread-actions');
      await popup.keyboard.press('Escape');
      await expect.poll(() => popup.getByRole('menu').count()).toBe(0);
      // Archiving leaves the thread for the list, where it is no longer shown.
      await popup.locator('.thread .bar').getByRole('button', { name: 'Back to inbox' }).focus();
      await popup.keyboard.press('e');
      await popup.getByRole('list', { name: 'Conversations' }).waitFor();
      await expect.poll(() => row(2).count()).toBe(0);
      expect((await cached(topic)).archivedAt).toBeGreaterThan(0);
    });

    it('ends a mute whose time passes while the worker is stopped', async () => {
      const topic = friends[0]!.topic;
      await (
        await extension.worker()
      ).evaluate(
        ([t, ms]) =>
          (globalThis as unknown as { xmtpInbox: BackgroundHandle }).xmtpInbox.service.mute(
            t,
            Date.now() + ms,
          ),
        [topic, MUTE_MS] as const,
      );
      await popup.close();
      await extension.stopWorker();
      await new Promise((r) => setTimeout(r, MUTE_MS + 500));
      // Whatever starts the worker again (its alarm, or this), the mute is over.
      await until(async () => (await cached(topic)).mutedUntil === undefined, 'the mute to end', 40_000);
      popup = await extension.openPopup();
      await popup.getByRole('list', { name: 'Conversations' }).waitFor({ timeout: 15_000 });
      await expect(row(0).getByTitle(/Muted/).count()).resolves.toBe(0);
    });
  },
);
