import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as XmtpJsClient } from '@xmtp/xmtp-js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountSummary } from '@/extension/accounts/contract';
import { startNode, type XmtpNode } from '@/network/node';
import {
  buildExtension,
  dappRequest,
  launchExtension,
  popupRequest,
  screenshot,
  serveDapp,
  type DappServer,
  type ExtensionSession,
  createLocalAccount,
} from './harness';
import { until } from '../helpers/until';
import { randomXmtpJsWallet } from '../helpers/xmtp-js-wallet';

// Issue #17 item 3 end to end: two accounts in the built extension in Chromium, against a real node, with
// xmtp-js 13.0.4 users sending to both at once. The second account is added from the popup header's switcher,
// as a person would; a dapp page granted on one account is refused on the other; sign out removes one only.
const PASSWORD = 'correct horse battery';

const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

describe(
  'several accounts in one browser, with xmtp-js users through a real node',
  { timeout: 150_000 },
  () => {
    let node: XmtpNode;
    let dataDir: string;
    let site: DappServer;
    let extension: ExtensionSession;
    let popup: Page;
    let page: Page;
    /** The first account (onboarded) and the second (added from the switcher). */
    let first: string;
    let second: string;
    /** xmtp-js users: one writes to the first account, one to the second. */
    let toFirst: XmtpJsClient;
    let toSecond: XmtpJsClient;
    let firstTopic: string;

    const accounts = async () =>
      ((await popupRequest(popup, 'accounts.list', {})) as { result: AccountSummary[] }).result;
    const badge = async () =>
      (await extension.worker()).evaluate(() =>
        (
          globalThis as unknown as { chrome: { action: { getBadgeText(d: object): Promise<string> } } }
        ).chrome.action.getBadgeText({}),
      );
    const switcher = () => popup.getByRole('button', { name: /switch or add an account/ });
    const header = () => popup.locator('.account-switcher .name');
    const rowOf = (address: string) =>
      popup.locator('.virtual-list .conversation-item').filter({ hasText: short(address) });
    /** A stranger's first message is a request: allow every waiting one, as a person would, from Requests. */
    const allowRequests = async (count: number) => {
      await popup.getByRole('button', { name: /Requests/ }).click();
      await popup.getByRole('checkbox', { name: 'Select all requests' }).check();
      await popup.getByRole('button', { name: `Allow ${count}` }).click();
    };
    const switchTo = async (address: string) => {
      await switcher().click();
      await popup
        .getByRole('menu', { name: 'Accounts' })
        .getByRole('menuitemradio', { name: short(address) })
        .click();
      await expect.poll(() => header().textContent(), { timeout: 15_000 }).toBe(short(address));
    };

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-e2e-accounts-'));
      [node, site] = await Promise.all([
        startNode({ port: 0, dataDir, rateLimit: false }),
        serveDapp(),
        buildExtension(),
      ]);
      extension = await launchExtension();
      extension.context.setDefaultTimeout(15_000);
      popup = await extension.openPopup();
      first = await createLocalAccount(popup, { password: PASSWORD, nodes: [node.url] });
      await popup.reload();
      await popup.getByText('No conversations yet.').waitFor();
      [toFirst, toSecond] = await Promise.all(
        [0, 1].map(() => XmtpJsClient.create(randomXmtpJsWallet(), { env: 'local', apiUrl: node.url })),
      );
    });

    afterAll(async () => {
      await Promise.all([toFirst?.close(), toSecond?.close()]);
      await extension?.close();
      await site?.close();
      await node?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('adds a second account from the header switcher, under the inbox password, by keyboard', async () => {
      await expect(header().textContent()).resolves.toBe(short(first));
      await switcher().focus();
      await popup.keyboard.press('Enter');
      const menu = popup.getByRole('menu', { name: 'Accounts' });
      await expect(menu.getByRole('menuitemradio').allTextContents()).resolves.toEqual([short(first)]);
      await expect(menu.getByRole('menuitemradio').getAttribute('aria-checked')).resolves.toBe('true');
      // Focus starts on the first account; End then Enter picks "Add account…".
      await popup.keyboard.press('End');
      await popup.keyboard.press('Enter');
      await popup.getByRole('heading', { name: 'Add an account' }).waitFor();
      // A backup restores into an empty inbox only, so it is not offered here.
      await expect(popup.getByRole('button', { name: /Restore a backup/ }).count()).resolves.toBe(0);
      await popup.getByRole('button', { name: /Create a local key/ }).click();

      await popup.getByLabel('Inbox password').fill('not the password');
      await popup.getByRole('button', { name: 'Create key' }).click();
      await expect(popup.getByRole('alert').textContent()).resolves.toMatch(/password/i);
      expect(await accounts()).toHaveLength(1); // nothing kept of a refused add

      // Cancel goes back to the same inbox; so does Escape.
      await popup.getByRole('button', { name: 'Cancel' }).click();
      await expect(header().textContent()).resolves.toBe(short(first));
      await switcher().click();
      await popup.getByRole('menuitem', { name: 'Add account…' }).click();
      await popup.getByRole('button', { name: /Create a local key/ }).click();
      await popup.getByLabel('Inbox password').fill(PASSWORD);
      await popup.getByRole('button', { name: 'Create key' }).click();
      await popup.getByText('No conversations yet.').waitFor();

      const both = await accounts();
      expect(both.map((a) => a.active)).toEqual([false, true]);
      expect(both[0]!.address).toBe(first);
      second = both[1]!.address!;
      expect(second).not.toBe(first);
      await expect(header().textContent()).resolves.toBe(short(second));
    });

    it('receives on both accounts at once; the switcher counts the other account, the badge the active one', async () => {
      const [a, b] = await Promise.all([
        toFirst.conversations.newConversation(first),
        toSecond.conversations.newConversation(second),
      ]);
      firstTopic = a.topic;
      await Promise.all([
        a.send('hello, first account').then(() => a.send('and again')),
        b.send('hello, second account'),
      ]);

      // The active (second) account shows its message live; the first one's arrived in the background meanwhile.
      await allowRequests(1);
      await rowOf(toSecond.address).waitFor();
      await expect(rowOf(toFirst.address).count()).resolves.toBe(0);
      await until(async () => (await accounts())[0]!.unread === 2, 'the first account to count its messages');
      await expect.poll(() => switcher().getAttribute('aria-label')).toMatch(/2 unread in other accounts/);
      await expect(popup.locator('.account-switcher .others-unread').count()).resolves.toBe(1);
      await until(async () => (await badge()) === '1', 'the badge to count the second account');
      // Both accounts stream over one WebSocket to the node (the node's own count of open subscriptions).
      const sockets = async () =>
        (await (await fetch(`${node.url}/metrics`)).text())
          .split('\n')
          .find((line) => line.startsWith('xmtp_subscriptions_open{transport="websocket"}'))
          ?.split(' ')
          .at(-1);
      expect(await sockets()).toBe('1');

      await popup.keyboard.press('Shift+A'); // the menu from the keyboard
      const menu = popup.getByRole('menu', { name: 'Accounts' });
      await expect(menu.getByRole('menuitemradio', { name: short(first) }).textContent()).resolves.toContain(
        '2 unread',
      );
      await popup.setViewportSize({ width: 380, height: 560 });
      await screenshot(popup, 'account-switcher', 'docs/screenshots');
      await popup.keyboard.press('Escape');

      await switchTo(first);
      await allowRequests(1);
      await rowOf(toFirst.address).waitFor();
      await expect(rowOf(toFirst.address).textContent()).resolves.toContain('and again');
      await expect(rowOf(toSecond.address).count()).resolves.toBe(0);
      await until(async () => (await badge()) === '2', 'the badge to count the first account');
    });

    it('a dapp granted on one account sees nothing of the other; the approval window names the account', async () => {
      page = await extension.context.newPage();
      await page.goto(site.url);
      await page.waitForFunction(() => 'xmtp' in window);
      const opened = extension.context.waitForEvent('page', {
        predicate: (p) => p.url().includes('/approve.html'),
      });
      const access = page.evaluate(() =>
        (window as unknown as { xmtp: { request(a: unknown): Promise<unknown> } }).xmtp
          .request({ method: 'xmtp_requestAccess', params: { capabilities: ['inbox:read'] } })
          .then(
            () => 'granted',
            (e: { message: string }) => e.message,
          ),
      );
      const prompt = await opened;
      const granting = prompt.getByTestId('granting-account');
      await expect.poll(() => granting.textContent()).toContain(`Account granting access: ${short(first)}`);
      await expect(granting.textContent()).resolves.toContain('other account stays hidden from this site');
      await prompt.waitForSelector('[data-testid=approve]:not([disabled])');
      await Promise.all([prompt.waitForEvent('close'), prompt.getByTestId('approve').click()]);
      expect(await access).toBe('granted');

      const listed = (await dappRequest(page, 'xmtp_listConversations')).result as { topic: string }[];
      expect(listed.map((c) => c.topic)).toEqual([firstTopic]);
      expect((await dappRequest(page, 'xmtp_address')).result).toBe(first);

      await switchTo(second);
      await until(
        async () => (await dappRequest(page, 'xmtp_listConversations')).error?.code === 4100,
        'the page to be refused on the second account',
      );
      expect((await dappRequest(page, 'xmtp_address')).error?.code).toBe(4100);
      expect(await dappRequest(page, 'xmtp_getPermissions')).toEqual({ result: [] });

      // Back on the first account, its grant is still there.
      await switchTo(first);
      await until(
        async () => (await dappRequest(page, 'xmtp_address')).result === first,
        'the grant of the first account to apply again',
      );
    });

    it('keeps every account under one password: changed in Settings, the new one unlocks both', async () => {
      const NEW_PASSWORD = 'another horse battery staple';
      await popup.getByRole('button', { name: 'Settings' }).click();
      await popup.getByLabel('Current password').fill('wrong password');
      await popup.getByLabel('New password').fill(NEW_PASSWORD);
      await popup.getByRole('button', { name: 'Change password' }).click();
      await expect(popup.getByRole('alert').first().textContent()).resolves.toMatch(/password/i);
      await popup.getByLabel('Current password').fill(PASSWORD);
      await popup.getByRole('button', { name: 'Change password' }).click();
      await popup.getByText('Password changed').waitFor();

      await popup.getByRole('button', { name: 'Lock now' }).click();
      await popup.getByRole('heading', { name: 'Unlock XMTP Inbox' }).waitFor();
      expect((await accounts()).map((a) => a.vault)).toEqual(['locked', 'locked']);
      await popup.getByText('One password unlocks all 2 accounts.').waitFor();
      await popup.getByLabel('Password').fill(PASSWORD); // the old one no longer opens anything
      await popup.getByRole('button', { name: 'Unlock' }).click();
      await popup.getByRole('alert').waitFor();
      await popup.getByLabel('Password').fill(NEW_PASSWORD);
      await popup.getByRole('button', { name: 'Unlock' }).click();
      // Back where the lock found it (Settings); Escape returns to the inbox.
      await popup.getByRole('button', { name: 'Lock now' }).waitFor();
      await popup.keyboard.press('Escape');
      await rowOf(toFirst.address).waitFor();
      await until(
        async () => (await accounts()).every((a) => a.vault === 'unlocked'),
        'both accounts unlocked by the new password',
      );
    });

    it('signs out of one account only: its data goes, the other account and its grant stay', async () => {
      const secondId = (await accounts()).find((a) => a.address === second)!.id;
      await switchTo(second);
      await popup.getByRole('button', { name: 'Settings' }).click();
      await popup.getByRole('button', { name: 'Sign out of this account…' }).click();
      await expect(popup.locator('#signout-q').textContent()).resolves.toContain(
        'Your other account stays, with the same password.',
      );
      await popup.getByRole('button', { name: 'Yes, sign out' }).click();

      // The popup carries on with the remaining account.
      await expect.poll(() => header().textContent(), { timeout: 15_000 }).toBe(short(first));
      await rowOf(toFirst.address).waitFor();
      const left = await accounts();
      expect(left.map((a) => [a.address, a.active])).toEqual([[first, true]]);
      const databases = await (
        await extension.worker()
      ).evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
      expect(databases.filter((name) => name.endsWith(`.${secondId}`))).toEqual([]);
      expect(databases).toContain('xmtp-inbox-cache');
      expect((await dappRequest(page, 'xmtp_address')).result).toBe(first);

      // With one account left, the switcher says nothing about others, and sign out is plain again.
      await expect(switcher().getAttribute('aria-label')).resolves.not.toMatch(/other accounts/);
    });
  },
);
