import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as XmtpJsClient } from '@xmtp/xmtp-js';
import { describe, expect, it } from 'vitest';
import { startNode } from '@/network/node';
import type { ConversationInfo } from '@/extension/client-adapter';
import type { InboxUpdate } from '@/extension/inbox/contract';
import { realNodeForFile } from '../../helpers/node-for-file';
import { realInboxService } from '../../helpers/real-inbox';
import { throwawayAdapter } from '../../helpers/throwaway-adapter';
import { until } from '../../helpers/until';
import { randomXmtpJsWallet } from '../../helpers/xmtp-js-wallet';
import type { XmtpNode } from '@/network/node';

// Message requests counted and allowed or denied in bulk, against a real node: the counts the popup shows
// (no cap), every request of a search allowed in one consent update that xmtp-js reads back, and bad requests
// refused before anything changes.
let node: XmtpNode;
realNodeForFile('xmtp-inbox-bulk-consent-', (started) => (node = started));

const PASSWORD = 'correct horse battery';
const SENDERS = 60; // more than the popup's first page of requests (50)
const PICKED = 7; // those whose message says "pick me"

/** An xmtp-js identity imported into the inbox service: xmtp-js can then read the consent the inbox writes. */
async function inboxOfXmtpJsIdentity(url: string) {
  const wallet = randomXmtpJsWallet();
  const options = { env: 'local' as const, apiUrl: url };
  const keys = await XmtpJsClient.getKeys(wallet, options);
  const js = await XmtpJsClient.create(null, { ...options, privateKeyOverride: keys });
  const service = realInboxService();
  await service.importKey({
    keyBundle: Buffer.from(keys).toString('base64'),
    password: PASSWORD,
    nodes: [url],
  });
  return { js, service };
}

/** `count` strangers, each writing a first message to `address`: all requests. */
async function strangers(url: string, address: string, count: number, text: (i: number) => string) {
  const made: { address: string; conversation: ConversationInfo }[] = [];
  for (let start = 0; start < count; start += 10) {
    const part = await Promise.all(
      Array.from({ length: Math.min(10, count - start) }, async (_, k) => {
        const i = start + k;
        const sender = await throwawayAdapter().create({ kind: 'generate' }, { nodes: [url] });
        const conversation = await sender.newConversation(address, `bulk/${i}`);
        await sender.send(conversation.topic, { type: 'text', text: text(i) });
        await sender.close();
        return { address: sender.address, conversation };
      }),
    );
    made.push(...part);
  }
  return made;
}

describe('bulk consent and view counts', () => {
  it('counts every request, allows those of a search at once, then denies the rest, as xmtp-js reads it', async () => {
    const { js, service } = await inboxOfXmtpJsIdentity(node.url);
    const me = (await service.state()).address!;
    const senders = await strangers(node.url, me, SENDERS, (i) =>
      i < PICKED ? `pick me ${i}` : `hello ${i}`,
    );
    // Every request in the cache with its first message (the stream or the catch-up brings them).
    const all = { inbox: 0, archived: 0, requests: SENDERS, unread: SENDERS };
    await until(async () => {
      const counts = await service.conversationCounts();
      return counts.requests === all.requests && counts.unread === all.unread ? counts : undefined;
    }, 'every request and its message in the cache');
    expect(await service.conversationCounts()).toEqual(all);
    expect(await service.conversationCounts('PICK ME')).toMatchObject({ requests: PICKED });

    const updates: InboxUpdate[] = [];
    service.subscribe((u) => updates.push(u));
    expect(await service.setConsentMany({ allRequests: true, query: 'pick me' }, 'allowed')).toEqual({
      changed: PICKED,
    });
    expect(await service.conversationCounts()).toMatchObject({ inbox: PICKED, requests: SENDERS - PICKED });
    const picked = senders.slice(0, PICKED);
    expect(updates).toContainEqual({
      kind: 'conversations',
      topics: expect.arrayContaining(picked.map((s) => s.conversation.topic)),
    });

    // A named few, then everything left.
    const named = senders.slice(PICKED, PICKED + 3).map((s) => s.conversation.topic);
    expect(await service.setConsentMany({ topics: named }, 'denied')).toEqual({ changed: 3 });
    expect(await service.setConsentMany({ allRequests: true }, 'denied')).toEqual({
      changed: SENDERS - PICKED - 3,
    });
    expect(await service.conversationCounts()).toEqual({
      inbox: PICKED,
      archived: 0,
      requests: 0,
      unread: PICKED,
    });
    expect(await service.setConsentMany({ allRequests: true }, 'allowed')).toEqual({ changed: 0 });

    await js.contacts.refreshConsentList();
    for (const s of picked) expect(js.contacts.isAllowed(s.address)).toBe(true);
    for (const s of senders.slice(PICKED)) expect(js.contacts.isDenied(s.address)).toBe(true);
    await service.lock();
    await js.close();
  }, 120_000);

  it('refuses a bad bulk request whole, and says how far it got when the network fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-bulk-consent-away-'));
    const own = await startNode({ port: 0, dataDir: dir, rateLimit: false });
    const { js, service } = await inboxOfXmtpJsIdentity(own.url);
    try {
      const me = (await service.state()).address!;
      const [one, two] = await strangers(own.url, me, 2, (i) => `hi ${i}`);
      await until(
        async () => (await service.conversationCounts()).requests === 2 || undefined,
        'both requests',
      );
      const topics = [one!.conversation.topic, two!.conversation.topic];
      await expect(
        service.setConsentMany({ topics: [topics[0]!, '/xmtp/0/m-nope/proto'] }, 'allowed'),
      ).rejects.toMatchObject({ code: 'unknown_conversation' });
      await expect(
        service.setConsentMany({ topics: 'all' as unknown as string[] }, 'allowed'),
      ).rejects.toMatchObject({ code: 'invalid_topics' });
      await expect(service.setConsentMany({ topics }, 'maybe' as unknown as 'allowed')).rejects.toMatchObject(
        { code: 'invalid_consent' },
      );
      await expect(
        service.setConsentMany({ allRequests: true, query: 'x'.repeat(201) }, 'allowed'),
      ).rejects.toMatchObject({ code: 'invalid_query' });
      await expect(service.conversationCounts(42 as unknown as string)).rejects.toMatchObject({
        code: 'invalid_query',
      });
      expect((await service.conversationCounts()).requests).toBe(2); // nothing changed

      await own.close(); // the network away: nothing is marked allowed that the network did not take
      await expect(service.setConsentMany({ topics }, 'allowed')).rejects.toMatchObject({
        code: 'consent_failed',
        message: expect.stringMatching(/^0 of 2 conversations were allowed; the rest failed/),
      });
      expect((await service.conversationCounts()).requests).toBe(2);
    } finally {
      await service.lock();
      await js.close();
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
