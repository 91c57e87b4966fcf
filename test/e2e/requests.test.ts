import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type XmtpNode } from '@/network/node';
import {
  buildExtension,
  launchExtension,
  popupRequest,
  type ExtensionSession,
  createLocalAccount,
} from './harness';
import { throwawayAdapter } from '../helpers/throwaway-adapter';
import { until } from '../helpers/until';

// Message requests past the first page, in the built extension in Chromium against a real node (issue #17):
// the fold counts every request (no cap), shows a page and more on asking, and "Select all" covers every
// request of the search, shown or not, in one bulk change.
const PASSWORD = 'correct horse battery';
const STRANGERS = 60; // more than the fold's first page of 50
const PICKED = 7; // whose first message says "pick me"

describe('message requests in bulk', { timeout: 180_000 }, () => {
  let node: XmtpNode;
  let dataDir: string;
  let extension: ExtensionSession;
  let popup: Page;

  const fold = () => popup.getByRole('button', { name: /^Requests/ });
  const requestRows = () => popup.locator('.request-list .request');
  const inboxRows = () => popup.locator('.virtual-list .conversation-item');
  const search = async (text: string) => {
    await popup.getByRole('searchbox').fill(text);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-e2e-requests-'));
    [node] = await Promise.all([startNode({ port: 0, dataDir, rateLimit: false }), buildExtension()]);
    extension = await launchExtension();
    popup = await extension.openPopup();
    const address = await createLocalAccount(popup, { password: PASSWORD, nodes: [node.url] });
    for (let start = 0; start < STRANGERS; start += 10)
      await Promise.all(
        Array.from({ length: Math.min(10, STRANGERS - start) }, async (_, k) => {
          const i = start + k;
          const stranger = await throwawayAdapter().create({ kind: 'generate' }, { nodes: [node.url] });
          const { topic } = await stranger.newConversation(address, `e2e/requests/${i}`);
          await stranger.send(topic, { type: 'text', text: i < PICKED ? `pick me ${i}` : `hello ${i}` });
          await stranger.close();
        }),
      );
    await popup.reload();
  });

  afterAll(async () => {
    await extension?.close();
    await node?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts every request and shows them a page at a time', async () => {
    await until(
      async () =>
        ((await fold().count()) && (await fold().textContent())?.includes(`${STRANGERS}`)) || undefined,
      `the fold counting ${STRANGERS}`,
      60_000,
    );
    await fold().click();
    await expect(requestRows().count()).resolves.toBe(50);
    const more = popup.getByRole('button', { name: `Show more (${STRANGERS - 50} not shown)` });
    await more.click();
    await until(async () => (await requestRows().count()) === STRANGERS || undefined, 'every request shown');
    await expect(more.count()).resolves.toBe(0);
  });

  it('allows every request of a search at once, then denies one ticked and all the rest', async () => {
    await search('pick me');
    await until(async () => (await fold().textContent())?.includes(`${PICKED}`) || undefined, 'the search');
    if ((await requestRows().count()) === 0) await fold().click();
    await popup.getByRole('checkbox', { name: 'Select all requests' }).check();
    await expect(popup.getByText(`All ${PICKED} selected`).count()).resolves.toBe(1);
    await popup.getByRole('button', { name: `Allow ${PICKED}` }).click();
    await until(async () => (await inboxRows().count()) === PICKED || undefined, 'the picked in the inbox');
    await expect(fold().count()).resolves.toBe(0); // no request of the search is left

    await search('');
    const left = STRANGERS - PICKED;
    await until(async () => (await fold().textContent())?.includes(`${left}`) || undefined, `${left} left`);
    if ((await requestRows().count()) === 0) await fold().click();
    await requestRows().first().getByRole('checkbox').check();
    await popup.getByRole('button', { name: 'Deny 1' }).click();
    await until(async () => (await fold().textContent())?.includes(`${left - 1}`) || undefined, 'one denied');
    if ((await requestRows().count()) === 0) await fold().click();
    // All of them, though the fold shows only its first page.
    await expect(requestRows().count()).resolves.toBeLessThan(left - 1);
    await popup.getByRole('checkbox', { name: 'Select all requests' }).check();
    await popup.getByRole('button', { name: `Deny ${left - 1}` }).click();
    await until(async () => ((await fold().count()) === 0 ? true : undefined), 'no requests left');
    await expect(inboxRows().count()).resolves.toBe(PICKED);
    const counts = (await popupRequest(popup, 'conversations.counts', {})) as { result: object };
    expect(counts.result).toEqual({ inbox: PICKED, archived: 0, requests: 0, unread: PICKED });
  });
});
