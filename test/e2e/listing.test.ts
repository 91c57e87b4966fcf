// A first listing of many conversations in Chromium (issue #19 item 2): the popup says how many the background
// has found so far while the rows fill in, newest first, and the line goes away when the list is complete; a
// popup opened in the middle of the listing shows the line at once, from the worker's state, not only from the
// next batch's update. The extension talks to a real node through a proxy that holds each request for a
// moment, so the invitation pages (100 a page) arrive seconds apart and a popup has time to open between two.
// And the reason the worker opens invitations on its one thread: it has no Worker to give them to.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@/client';
import { initNodeSecp256k1 } from '@/client/node/secp256k1-wasm';
import type { ConversationRecord } from '@/extension/cache/records';
import type { InboxState } from '@/extension/inbox/contract';
import { startNode, type XmtpNode } from '@/network/node';
import { toBase64 } from '@/protocol/bytes';
import { createPrivateKeyBundle } from '@/protocol/identity';
import { createInvitation } from '@/protocol/invitation';
import { Keyring } from '@/protocol/keyring';
import { inviteTopic } from '@/protocol/topics';
import { createClient, newWallet } from '../client/helpers';
import { startSlowProxy, type SlowProxy } from '../helpers/slow-proxy';
import { buildExtension, launchExtension, popupRequest, screenshot, type ExtensionSession } from './harness';

const PASSWORD = 'correct horse battery';
/** Six pages of invitations, each from a sender of its own (every one needs its own key agreement). */
const INVITATIONS = 600;
/** How long the proxy holds each chunk the extension sends: the pages of the listing come this far apart. */
const DELAY_MS = 2_000;
const LINE = /Getting your conversations from the network… ([\d,]+) so far/;

/**
 * INVITATIONS invitations to `recipient`, one a millisecond apart (newest last), each from a new identity, and
 * the recipient's consent list allowing every sender (so the rows land in the inbox, not in the requests).
 * Returns the senders' addresses, newest first.
 */
async function seedInvitations(recipient: Client): Promise<string[]> {
  // Sent after the account's last listing (the client asks only for what is newer, less a slack of 10 s).
  const baseMs = Date.now() - INVITATIONS;
  const senders: string[] = [];
  for (let i = 0; i < INVITATIONS; i += 50) {
    const envelopes = await Promise.all(
      Array.from({ length: Math.min(50, INVITATIONS - i) }, async (_, j) => {
        const sender = Keyring.fromBundle(await createPrivateKeyBundle(newWallet()));
        senders[i + j] = sender.address;
        const created = await createInvitation(sender, recipient.keyring.signedBundle, {
          context: { conversationId: `listing/${i + j}`, metadata: {} },
          createdNs: BigInt(baseMs + i + j) * 1_000_000n,
        });
        return {
          contentTopic: inviteTopic(recipient.address),
          timestampNs: created.createdNs,
          message: created.sealed,
        };
      }),
    );
    await recipient.api.publish(envelopes);
  }
  await recipient.contacts.allow(senders);
  return senders.reverse();
}

/** The progress line's count, or undefined while the popup shows no line. */
async function shownCount(page: Page): Promise<number | undefined> {
  // Read in the page in one step (a locator's wait could time out under load and look like no line).
  const text = await page.evaluate(() => document.querySelector('p.listing')?.textContent ?? null);
  const match = text ? LINE.exec(text) : null;
  return match ? Number(match[1]!.replace(/,/g, '')) : undefined;
}

/** The peers of the conversation rows the popup shows, top to bottom. */
const shownPeers = (page: Page) =>
  page
    .locator('button.conversation[data-topic]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('title') ?? ''));

describe('first listing of a large inbox in Chromium', { timeout: 240_000 }, () => {
  let node: XmtpNode;
  let proxy: SlowProxy;
  let dataDir: string;
  let extension: ExtensionSession;
  /** The senders' addresses, newest invitation first. */
  let senders: string[];
  let popup: Page;

  beforeAll(async () => {
    await initNodeSecp256k1();
    dataDir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-e2e-listing-'));
    [node] = await Promise.all([startNode({ port: 0, dataDir, rateLimit: false }), buildExtension()]);
    proxy = await startSlowProxy(node.url, DELAY_MS);
    extension = await launchExtension();
    extension.context.setDefaultTimeout(30_000);

    // The account, with its contact published, is imported into the extension while it has no conversations
    // (its first listing finds none); then, locked, it is sent the invitations.
    const recipient = await createClient(newWallet(), node.url);
    popup = await extension.openPopup();
    const imported = (await popupRequest(popup, 'onboarding.importKey', {
      password: PASSWORD,
      nodes: [proxy.url],
      keyBundle: toBase64(recipient.exportKeyBundle()),
    })) as { result?: InboxState; error?: unknown };
    expect(imported.error).toBeUndefined();
    await popupRequest(popup, 'conversations.refresh', {}); // joins (and waits for) the first, empty listing
    await popupRequest(popup, 'vault.lock', {});
    senders = await seedInvitations(recipient);
    await recipient.close();
  });

  afterAll(async () => {
    await extension?.close();
    await proxy?.close();
    await node?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('shows the count found so far while rows arrive newest first, in a popup opened midway too, then hides it', async () => {
    await popup.reload();
    await popup.getByRole('heading', { name: 'Unlock XMTP Inbox' }).waitFor();
    await popup.getByLabel('Password').fill(PASSWORD);
    await popup.getByRole('button', { name: 'Unlock' }).click();

    // The first page of invitations: the line, with rows already there, the newest ones on top.
    await expect
      .poll(async () => (await shownCount(popup)) !== undefined && (await shownPeers(popup)).length > 0, {
        timeout: 60_000,
        interval: 50,
      })
      .toBe(true);
    const first = (await shownCount(popup))!;
    expect(first).toBeLessThan(INVITATIONS);
    const peers = await shownPeers(popup);
    expect(peers.length).toBeGreaterThan(0);
    expect(peers).toEqual(senders.slice(0, peers.length));
    await screenshot(popup, 'listing-progress');

    // A second popup opened now, between two pages: the line is there as soon as its inbox is, with the count
    // the first popup shows, before any further page has come in.
    const before = (await shownCount(popup))!;
    const second = await extension.openPopup();
    await second.locator('button.conversation[data-topic]').first().waitFor();
    let atOnce: number | undefined;
    for (const until = Date.now() + 700; atOnce === undefined && Date.now() < until;)
      atOnce = await shownCount(second);
    const stillBefore = await shownCount(popup);
    expect(atOnce).toBeDefined();
    if (stillBefore === before) expect(atOnce).toBe(before); // no update in between: it came from the state

    // The count grows page by page, and the line goes away once the list is complete.
    const counts = new Set<number>([first]);
    for (;;) {
      const count = await shownCount(popup);
      if (count === undefined) break;
      counts.add(count);
      await popup.waitForTimeout(100);
    }
    expect(counts.size).toBeGreaterThanOrEqual(2);
    await expect.poll(() => shownCount(second), { timeout: 10_000 }).toBeUndefined();
    const listed = (await popupRequest(second, 'conversations.list', { limit: 1_000 })) as {
      result: ConversationRecord[];
    };
    expect(listed.result).toHaveLength(INVITATIONS);
    expect((await shownPeers(second)).slice(0, 5)).toEqual(senders.slice(0, 5));
    await second.close();
  });

  // Why the extension opens invitations on one thread: Chromium gives an extension service worker no Worker
  // (an offscreen document could have workers, but the identity keys would leave the background). When a new
  // Chromium has one, this fails: the invitations can then go to a pool of workers, as in Node.
  it("has no Worker in the extension's service worker to open invitations on", async () => {
    const worker = await extension.worker();
    const probe = await worker.evaluate(() => {
      try {
        // A module of the extension's own (any would do: the constructor is what is missing).
        new Worker('/background.js', { type: 'module' }).terminate();
        return { typeofWorker: typeof Worker, error: undefined };
      } catch (error) {
        return { typeofWorker: typeof Worker, error: String(error) };
      }
    });
    expect(probe).toEqual({
      typeofWorker: 'undefined',
      error: 'ReferenceError: Worker is not defined',
    });
  });
});
