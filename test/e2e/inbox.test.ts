import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationRecord, MessageRecord } from '@/extension/cache/records';
import { createLocalWallet } from '@/extension/client/local-wallet';
import type { BackgroundHandle } from '@/extension/runtime/start-background';
import { encodePrivateKeyBundle } from '@/protocol/bundles';
import { toBase64 } from '@/protocol/bytes';
import { createPrivateKeyBundle } from '@/protocol/identity';
import { buildExtension, launchExtension, popupRequest, screenshot, type ExtensionSession } from './harness';

const selfWallet = createLocalWallet();
const SELF = selfWallet.address;
const PASSWORD = 'correct horse battery';
const CONVERSATIONS = 1_000;

/** Deterministic, distinct peer addresses (the cache and UI only need their shape). */
const peer = (i: number) => '0x' + bytesToHex(keccak_256(utf8ToBytes(`peer ${i}`))).slice(-40);

function seedData(now: number) {
  const conversations: Omit<ConversationRecord, 'unread' | 'lastMessage'>[] = [];
  const messages: MessageRecord[] = [];
  for (let i = 0; i < CONVERSATIONS; i++) {
    const topic = `/xmtp/0/m-seed${i}/proto`;
    conversations.push({
      topic,
      peerAddress: peer(i),
      createdAt: now - 30 * 86_400_000 - i,
      consent: i % 250 === 7 ? 'unknown' : 'allowed',
    });
    messages.push({
      id: `seed-${i}`,
      topic,
      senderAddress: i % 3 ? peer(i) : SELF,
      sentAt: now - i * 3_600_000,
      contentType: 'xmtp.org/text:1.0',
      content: i === 5 ? 'the invoice for the hackathon' : `message number ${i}`,
      status: 'sent',
    });
  }
  // A richer thread in the first conversation: two days, a reply and a reaction.
  const topic = conversations[0]!.topic;
  const base = { topic, contentType: 'xmtp.org/text:1.0', status: 'sent' as const };
  messages.push(
    {
      ...base,
      id: 't1',
      senderAddress: peer(0),
      sentAt: now - 26 * 3_600_000,
      content: 'gm! are you coming to the meetup?',
    },
    {
      ...base,
      id: 't2',
      senderAddress: SELF,
      sentAt: now - 25 * 3_600_000,
      content: 'gm, yes, see you there',
    },
    {
      ...base,
      id: 't3',
      senderAddress: peer(0),
      sentAt: now - 2 * 3_600_000,
      contentType: 'xmtp.org/reply:1.0',
      content: { reference: 't2', contentType: 'xmtp.org/text:1.0', content: 'great, bring the slides' },
    },
    {
      ...base,
      id: 't4',
      senderAddress: SELF,
      sentAt: now - 3_500_000,
      contentType: 'xmtp.org/reaction:1.0',
      content: { reference: 't3', action: 'added', content: '👍', schema: 'unicode' },
    },
  );
  // A long history in the third conversation, our own messages (nothing unread): the oldest of 500 is the one
  // full-text search must find, two and a half pages back from where the thread opens.
  for (let k = 0; k < 500; k++)
    messages.push({
      id: `history-${k}`,
      topic: conversations[2]!.topic,
      senderAddress: SELF,
      sentAt: now - 40 * 86_400_000 + k * 60_000,
      contentType: 'xmtp.org/text:1.0',
      content: k === 0 ? 'Our first chat: the Platypus émoji sticker idea' : `old note ${k}`,
      status: 'sent',
    });
  return { conversations, messages };
}

// Browser steps on a loaded 2-core machine (the whole suite in parallel) get more than the default 30 s.
describe(
  'inbox popup in Chromium (cache seeded through the real background modules)',
  { timeout: 60_000 },
  () => {
    let extension: ExtensionSession;
    let popup: Page;

    beforeAll(async () => {
      await buildExtension();
      extension = await launchExtension();
      const worker = await extension.worker();
      const data = seedData(Date.now());
      // A real key bundle, and a node URL where nothing listens: the popup works from the cache, offline.
      const keyBundle = toBase64(encodePrivateKeyBundle(await createPrivateKeyBundle(selfWallet)));
      await worker.evaluate(
        async ({ data, self, password, keyBundle }) => {
          const handle = (globalThis as unknown as { xmtpInbox: BackgroundHandle }).xmtpInbox;
          await handle.vault.create(keyBundle, password);
          await (
            globalThis as unknown as { chrome: { storage: { local: { set(v: unknown): Promise<void> } } } }
          ).chrome.storage.local.set({
            account: { address: self, identity: 'local' },
            settings: { nodes: ['http://127.0.0.1:9'], autoLockMinutes: 15, notifications: false },
          });
          await handle.cache.putConversations(data.conversations);
          await handle.cache.addMessages(data.messages, self);
        },
        { data, self: SELF, password: PASSWORD, keyBundle },
      );
    });

    afterAll(async () => {
      await extension?.close();
    });

    it('opens on 1,000 cached conversations, rendering only the rows in view', async () => {
      // Whether the inbox was ever in the page without its rows (its search box there, no row yet): checked after
      // every DOM change, from before the popup's own scripts run.
      await extension.context.addInitScript(() => {
        const seen = globalThis as { xmtpEmptyInboxSeen?: boolean };
        new MutationObserver(() => {
          if (document.querySelector('input[type="search"]') && !document.querySelector('.virtual-list li'))
            seen.xmtpEmptyInboxSeen = true;
        }).observe(document, { childList: true, subtree: true });
      });
      popup = await extension.openPopup();
      await popup.getByRole('list', { name: 'Conversations' }).waitFor();
      const rows = await popup.locator('.virtual-list li').count();
      expect(rows).toBeGreaterThan(5);
      expect(rows).toBeLessThan(40);
      // The prefetched rows came with the state: the inbox's first render shows them (no empty list first).
      expect(
        await popup.evaluate(() => (globalThis as { xmtpEmptyInboxSeen?: boolean }).xmtpEmptyInboxSeen),
      ).toBe(undefined);
      // The prefetched first screen shows first; further pages come as the list is scrolled to its end, until
      // every conversation of the inbox is there (4 requests are listed apart).
      const list = popup.locator('.virtual-list');
      const height = () =>
        list.locator('ul').evaluate((ul) => parseInt((ul as HTMLElement).style.height, 10));
      expect(await height()).toBeLessThan(100 * 60);
      for (let before = 0, pages = 0; (await height()) < (CONVERSATIONS - 4) * 60; pages++) {
        if (pages > 60) throw new Error(`the list stopped growing at ${await height()} px`);
        before = await height();
        await list.evaluate((element) => (element.scrollTop = element.scrollHeight));
        await expect.poll(height).toBeGreaterThan(before);
      }
      expect(await height()).toBe((CONVERSATIONS - 4) * 60);
      // A change while the whole list is loaded reloads every row shown (in requests of at most 500 rows): a
      // read conversation near the bottom, in view, shows as unread, and then read again.
      const topic = await popup
        .locator('.virtual-list .conversation:not(.unread)')
        .last()
        .getAttribute('data-topic');
      expect(Number(topic?.match(/m-seed(\d+)/)?.[1])).toBeGreaterThan(900);
      const row = popup.locator(`.virtual-list .conversation[data-topic="${topic}"]`);
      const setUnread = (unread: boolean) =>
        extension.worker().then((worker) =>
          worker.evaluate(
            async ([topic, unread]) => {
              const { service } = (globalThis as unknown as { xmtpInbox: BackgroundHandle }).xmtpInbox;
              await (unread ? service.markUnread(topic) : service.markRead(topic));
            },
            [topic!, unread] as const,
          ),
        );
      await setUnread(true);
      await expect.poll(() => row.getAttribute('class')).toContain('unread');
      await setUnread(false);
      await expect.poll(() => row.getAttribute('class')).not.toContain('unread');
      expect(await height()).toBe((CONVERSATIONS - 4) * 60);
      await expect(popup.getByRole('alert').count()).resolves.toBe(0);
      await list.evaluate((element) => (element.scrollTop = 0));
      const timing = await popup.evaluate(() => {
        const at = (name: string) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
        return {
          started: at('xmtp-inbox:popup-start'),
          received: at('xmtp-inbox:list-received'),
          rendered: at('xmtp-inbox:list-rendered'),
        };
      });
      console.log(
        `popup with ${CONVERSATIONS} conversations: script start at ${timing.started.toFixed(1)} ms, list data at ${timing.received.toFixed(1)} ms, ` +
          `first list render at ${timing.rendered.toFixed(1)} ms after navigation ` +
          `(render ${(timing.rendered - timing.received).toFixed(1)} ms)`,
      );
      // Polled: the rows follow the scroll back to the top a render later (read at once, the first row was once
      // still row 970's).
      await expect
        .poll(() => popup.locator('.conversation').first().textContent())
        .toContain('message number 0');
      await screenshot(popup, 'inbox', 'docs/screenshots');
    });

    it('searches by address and by message text', async () => {
      const search = popup.getByRole('searchbox', { name: 'Search conversations' });
      // Answered by the worker (the popup holds only the rows it shows).
      await search.fill('hackathon');
      await expect.poll(() => popup.locator('.virtual-list li').count()).toBe(1);
      await search.fill(peer(12).slice(2, 14).toUpperCase());
      await expect
        .poll(() => popup.locator('.virtual-list .peer').first().textContent())
        .toBe(`${peer(12).slice(0, 6)}…${peer(12).slice(-4)}`);
      await search.fill('');
    });

    it('finds a word in any message, 500 messages back, and opens the thread at it', async () => {
      const search = popup.getByRole('searchbox', { name: 'Search conversations' });
      await search.fill('platyp EMOJI'); // a prefix, another case, no accent
      const results = popup.getByRole('region', { name: 'Messages that match' });
      await expect.poll(() => results.locator('.result').count(), { timeout: 10_000 }).toBe(1);
      await expect(results.locator('mark').allTextContents()).resolves.toEqual(['Platypus', 'émoji']);
      await expect(results.locator('h3').textContent()).resolves.toBe(
        `${peer(2).slice(0, 6)}…${peer(2).slice(-4)}`,
      );
      await screenshot(popup, 'search', 'docs/screenshots');
      await results.locator('.result').click();
      const focused = popup.locator('.message.focused');
      await focused.waitFor({ timeout: 15_000 });
      await expect(focused.locator('.bubble').textContent()).resolves.toContain('Platypus');
      const inView = await focused.evaluate((el) => {
        const box = el.getBoundingClientRect();
        return box.top >= 0 && box.bottom <= window.innerHeight;
      });
      expect(inView).toBe(true);
      await popup.keyboard.press('Escape');
      await popup.getByRole('list', { name: 'Conversations' }).waitFor();
      await search.fill('zzqx');
      await expect
        .poll(() => results.locator('h2').textContent(), { timeout: 10_000 })
        .toBe('No message matches');
      await search.fill('');
      await expect(results.count()).resolves.toBe(0);
    });

    it('works from the keyboard: tab order, Enter opens a conversation, Escape returns', async () => {
      const focused = () =>
        popup.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          return el?.getAttribute('aria-label') ?? el?.textContent?.trim().slice(0, 20) ?? '';
        });
      await popup.getByRole('searchbox', { name: 'Search conversations' }).focus();
      await popup.keyboard.press('Shift+Tab');
      await expect(focused()).resolves.toBe('Lock');
      await popup.keyboard.press('Shift+Tab');
      await expect(focused()).resolves.toBe('Settings');
      await popup.keyboard.press('Shift+Tab');
      await expect(focused()).resolves.toBe('New conversation');
      await popup.keyboard.press('Tab');
      await popup.keyboard.press('Tab');
      await popup.keyboard.press('Tab');
      await expect(focused()).resolves.toBe('Search conversations');
      await popup.keyboard.press('Tab');
      await expect(focused()).resolves.toMatch(/^Requests/);
      await popup.keyboard.press('Tab');
      await expect(focused()).resolves.toMatch(/^0x/);
      await popup.keyboard.press('Enter');
      await popup.getByRole('list', { name: 'Messages' }).waitFor();
      await expect.poll(focused).toBe('Message'); // the composer takes focus once the thread has mounted
      await popup.keyboard.press('Escape');
      await popup.getByRole('list', { name: 'Conversations' }).waitFor();
    });

    it('keeps message requests apart', async () => {
      await popup.getByRole('button', { name: /Requests/ }).click();
      await expect(popup.locator('.request').count()).resolves.toBe(4);
      await expect(popup.getByRole('button', { name: 'Allow' }).count()).resolves.toBe(4);
      await popup.getByRole('button', { name: /Requests/ }).click();
    });

    it('shows a thread with date dividers, a reply and a reaction, and keeps a failed send visible with Retry', async () => {
      await popup.locator('.conversation').first().click();
      await popup.getByRole('list', { name: 'Messages' }).waitFor();
      await popup.locator('.quoted').waitFor();
      await expect(popup.getByRole('separator').allTextContents()).resolves.toEqual(
        expect.arrayContaining(['Yesterday', 'Today']),
      );
      await expect(popup.locator('.quoted').textContent()).resolves.toContain('gm, yes, see you there');
      await expect(popup.locator('.reaction').textContent()).resolves.toBe('👍 1');
      const composer = popup.getByRole('textbox', { name: 'Message' });
      await composer.fill('on my way');
      await composer.press('Enter');
      // The node is unreachable, so the optimistic message ends as failed, with its reason and Retry.
      await popup.getByRole('button', { name: 'Retry' }).waitFor({ timeout: 10_000 });
      await expect(popup.locator('.message.failed .bubble').textContent()).resolves.toBe('on my way');
      // Why, in words a person can act on; the raw reason only on hover (issue #16).
      const reason = await popup.locator('.message.failed .meta .failed').textContent();
      expect(reason).toContain('Cannot reach the XMTP node');
      expect(reason).not.toMatch(/TypeError|Failed to fetch/);
      await screenshot(popup, 'thread', 'docs/screenshots');
      await popup.getByRole('button', { name: 'Retry' }).click();
      await popup.getByRole('button', { name: 'Retry' }).waitFor();
      await popup.keyboard.press('Escape');
      await popup.getByRole('list', { name: 'Conversations' }).waitFor();
    });

    it('follows the dark colour scheme', async () => {
      await popup.emulateMedia({ colorScheme: 'dark' });
      const background = await popup.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(background).toBe('rgb(21, 23, 28)');
      await screenshot(popup, 'inbox-dark', 'docs/screenshots');
      await popup.emulateMedia({ colorScheme: 'light' });
    });

    it('locks, refuses a wrong password, and unlocks with the right one', async () => {
      await popup.getByRole('button', { name: 'Lock' }).click();
      await popup.getByRole('heading', { name: 'Unlock XMTP Inbox' }).waitFor({ timeout: 5_000 });
      const password = popup.getByLabel('Password');
      await password.waitFor();
      await password.fill('wrong password');
      await password.press('Enter');
      await popup.getByRole('alert').waitFor({ timeout: 5_000 });
      // A sentence for the person, the code behind "Details" (issue #16).
      await expect(popup.getByRole('alert').locator('p').textContent()).resolves.toBe(
        'That password is not right. Try again.',
      );
      await expect(popup.getByRole('alert').locator('details code').textContent()).resolves.toContain(
        'wrong_password',
      );
      await popup.getByRole('button', { name: 'Forgot your password?' }).click();
      await popup.getByRole('alertdialog').waitFor();
      await popup.getByRole('button', { name: 'Cancel' }).click();
      await screenshot(popup, 'unlock', 'docs/screenshots');
      await password.fill(PASSWORD);
      await password.press('Enter');
      await popup.getByRole('list', { name: 'Conversations' }).waitFor({ timeout: 10_000 });
    });

    it('stays unlocked and on data when the service worker restarts', async () => {
      await extension.stopWorker();
      const reply = (await popupRequest(popup, 'state.get', {})) as { result: { vault: string } };
      expect(reply.result.vault).toBe('unlocked');
      const list = (await popupRequest(popup, 'conversations.list', {})) as { result: unknown[] };
      expect(list.result).toHaveLength(CONVERSATIONS);
      await popup.reload();
      await popup.getByRole('list', { name: 'Conversations' }).waitFor();
    });

    it('opens settings and asks before signing out', async () => {
      await popup.getByRole('button', { name: 'Settings' }).click();
      await popup.getByRole('heading', { name: 'Settings' }).waitFor();
      await popup.getByRole('button', { name: 'Sign out…' }).click();
      await popup.getByRole('alertdialog').waitFor();
      await screenshot(popup, 'settings');
      await popup.getByRole('button', { name: 'Yes, sign out' }).click();
      await popup.getByRole('heading', { name: 'Welcome to XMTP Inbox' }).waitFor();
    });
  },
);
