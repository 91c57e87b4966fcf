import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createInboxCache } from '@/extension/cache/cache';
import { CONTENT_TYPES, MUTED_FOREVER } from '@/extension/cache/records';
import type { ClientAdapter, ClientSession, StreamHandlers } from '@/extension/client-adapter';
import {
  draftChange,
  MAX_DRAFT_LENGTH,
  muteUntil,
  type MuteDuration,
} from '@/extension/inbox/conversation-state';
import type { InboxUpdate } from '@/extension/inbox/contract';
import { noClientAdapter, silentDeviceNotes } from '../../helpers/no-client';
import { createInboxService } from '@/extension/inbox/service';
import { createMemoryArea } from '../../helpers/memory-area';
import { createVault } from '@/extension/vault/vault';
import { createTabWallet } from '@/extension/wallet/tab-wallet';
import { testCacheKeys } from '../cache/test-keys';

const SELF = '0x5A0b54D5dc17e0AadC383d2db43B0a0D3E029c4c';
const PEER = '0x2222222222222222222222222222222222222222';
const TOPIC = '/xmtp/0/m-test/proto';
const PASSWORD = 'correct horse battery';

// The inbox service with the real vault, cache and settings, and the build's real no-client adapter: what works
// offline must work, and everything needing the network must fail as data with a clear code.
async function setup({
  signedIn = true,
  adapter = noClientAdapter,
}: { signedIn?: boolean; adapter?: ClientAdapter } = {}) {
  const indexedDB = new IDBFactory();
  const local = createMemoryArea();
  const vault = createVault({ indexedDB, session: createMemoryArea() });
  const cache = createInboxCache({ keys: testCacheKeys(), indexedDB });
  const requests: string[] = [];
  const service = createInboxService({
    vault,
    cache,
    local,
    adapter,
    wallet: createTabWallet({ queryTabs: async () => [], sendToTab: async () => undefined }),
    fetch: async (input) => {
      requests.push(String(input));
      return new Response('', { status: String(input).includes('down') ? 503 : 200 });
    },
  });
  const updates: InboxUpdate[] = [];
  service.subscribe((u) => updates.push(u));
  if (signedIn) {
    await vault.create('c3RhbmQtaW4=', PASSWORD);
    await local.set({ account: { address: SELF, identity: 'local' } });
    await cache.putConversations([{ topic: TOPIC, peerAddress: PEER, createdAt: 1, consent: 'allowed' }]);
  }
  return { service, vault, cache, local, updates, requests };
}

describe('inbox service', () => {
  it('reports the vault state the popup routes on', async () => {
    const empty = await setup({ signedIn: false });
    expect(await empty.service.state()).toMatchObject({ vault: 'empty', online: false });
    const { service } = await setup();
    expect(await service.state()).toMatchObject({ vault: 'unlocked', address: SELF, identity: 'local' });
    expect(await service.lock()).toMatchObject({ vault: 'locked', address: SELF });
    await expect(service.listConversations()).rejects.toMatchObject({ code: 'vault_locked' });
    await expect(service.unlock('wrong password')).rejects.toMatchObject({ code: 'wrong_password' });
    expect(await service.unlock(PASSWORD)).toMatchObject({ vault: 'unlocked' });
  });

  it('sends optimistically: a pending message first, then failed with the reason when the client is missing', async () => {
    const { service, updates } = await setup();
    const failed = await service.send(TOPIC, { type: 'text', text: 'gm' });
    expect(failed).toMatchObject({ status: 'failed', content: 'gm', senderAddress: SELF });
    expect(failed.error).toMatch(/not available/);
    expect(updates).toContainEqual({ kind: 'messages', topic: TOPIC });
    // Names the one conversation it touched, so listeners need not re-read the whole list.
    expect(updates).toContainEqual({ kind: 'conversations', topics: [TOPIC] });
    const thread = await service.listMessages(TOPIC);
    expect(thread.map((m) => [m.id, m.status])).toEqual([[failed.id, 'failed']]);
    const again = await service.retry(failed.id);
    expect(again).toMatchObject({ id: failed.id, status: 'failed' });
    expect(await service.listMessages(TOPIC)).toHaveLength(1);
    await expect(service.retry('missing')).rejects.toMatchObject({ code: 'not_retryable' });
  });

  it('records replies and reactions with the standard content types', async () => {
    const { service } = await setup();
    const reply = await service.send(TOPIC, { type: 'reply', reference: 'm1', text: 'sure' });
    expect(reply).toMatchObject({
      contentType: CONTENT_TYPES.reply,
      content: { reference: 'm1', contentType: CONTENT_TYPES.text, content: 'sure' },
    });
    const reaction = await service.send(TOPIC, {
      type: 'reaction',
      reference: 'm1',
      emoji: '🔥',
      action: 'added',
    });
    expect(reaction).toMatchObject({
      contentType: CONTENT_TYPES.reaction,
      content: { content: '🔥', action: 'added' },
    });
    await expect(service.send(TOPIC, { type: 'text', text: '   ' })).rejects.toMatchObject({
      code: 'invalid_content',
    });
    await expect(service.send('/unknown', { type: 'text', text: 'x' })).rejects.toMatchObject({
      code: 'unknown_conversation',
    });
  });

  it('validates addresses before reaching the network', async () => {
    const { service } = await setup();
    await expect(service.newConversation('0x123')).rejects.toMatchObject({ code: 'invalid_address' });
    await expect(service.canMessage(PEER)).rejects.toMatchObject({ code: 'client_unavailable' });
  });

  it('checks node health at /healthz and validates node settings', async () => {
    const { service, requests } = await setup();
    expect(await service.checkNode('http://localhost:5555/')).toMatchObject({ ok: true, status: 200 });
    expect(requests).toEqual(['http://localhost:5555/healthz']);
    expect(await service.checkNode('https://down.example')).toMatchObject({ ok: false, status: 503 });
    await expect(service.updateSettings({ nodes: ['gopher://x'] })).rejects.toMatchObject({
      code: 'invalid_node_url',
    });
    await expect(service.updateSettings({ autoLockMinutes: -1 })).rejects.toMatchObject({
      code: 'invalid_settings',
    });
    expect(
      await service.updateSettings({ nodes: ['https://a:1/', 'https://a:1'], autoLockMinutes: 5 }),
    ).toMatchObject({
      nodes: ['https://a:1'],
      autoLockMinutes: 5,
    });
  });

  it('checks the password before asking any wallet during onboarding', async () => {
    const { service } = await setup({ signedIn: false });
    await expect(
      service.createLocalKey({ password: 'short', nodes: ['http://localhost:5555'] }),
    ).rejects.toMatchObject({
      code: 'weak_password',
    });
    await expect(
      service.createLocalKey({ password: PASSWORD, nodes: ['http://localhost:5555'] }),
    ).rejects.toMatchObject({ code: 'client_unavailable' });
    expect((await service.state()).vault).toBe('empty');
    const input = { password: PASSWORD, nodes: ['http://localhost:5555'] };
    const [first, second] = await Promise.allSettled([
      service.createLocalKey(input),
      service.createLocalKey(input),
    ]);
    expect(first).toMatchObject({ status: 'rejected', reason: { code: 'client_unavailable' } });
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'busy' } });
  });

  it('resumes only while unlocked, and reports a missing client as an error', async () => {
    const { service } = await setup();
    await expect(service.resume()).rejects.toMatchObject({ code: 'client_unavailable' });
    await service.lock();
    await expect(service.resume()).resolves.toBeUndefined();
  });

  it('signs out: wipes vault, cache and account, keeps settings', async () => {
    const { service, cache } = await setup();
    await service.updateSettings({ autoLockMinutes: 5 });
    await service.markRead(TOPIC);
    const state = await service.signOut();
    expect(state).toMatchObject({ vault: 'empty', settings: { autoLockMinutes: 5 } });
    expect(state.address).toBeUndefined();
    expect(await cache.listConversations()).toEqual([]);
  });

  it('does not bring back a client that was still starting when the vault was locked', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const sessions: { closed: boolean; streaming: boolean }[] = [];
    // A client adapter whose clients take until `gate` to connect (an injected interface, not one of our modules).
    const adapter: ClientAdapter = {
      async create() {
        const record = { closed: false, streaming: false };
        sessions.push(record);
        await gate;
        const unavailable = async (): Promise<never> => {
          throw new Error('not used by this test');
        };
        const session: ClientSession = {
          address: SELF,
          exportKeyBundle: unavailable,
          listConversations: async () => [],
          messages: async () => [],
          send: unavailable,
          sendReadReceipt: unavailable,
          newConversation: unavailable,
          canMessage: async () => false,
          setConsent: async () => undefined,
          streamAll(handlers) {
            record.streaming = true;
            handlers.onConnection?.(true);
            return () => void (record.streaming = false);
          },
          deviceNotes: silentDeviceNotes,
          close: async () => void (record.closed = true),
        };
        return session;
      },
    };
    const { service } = await setup({ adapter });
    const resumed = service.resume();
    while (sessions.length === 0) await new Promise((r) => setTimeout(r, 1));
    await service.lock();
    release();
    await expect(resumed).rejects.toMatchObject({ code: 'vault_locked' });
    expect(sessions).toEqual([{ closed: true, streaming: false }]);
    expect((await service.state()).online).toBe(false);

    // Unlocking starts a fresh client, streams, and catches up.
    await service.unlock(PASSWORD);
    while (!sessions[1]?.streaming) await new Promise((r) => setTimeout(r, 1));
    expect(sessions[0]).toEqual({ closed: true, streaming: false });
    expect((await service.state()).online).toBe(true);
  });
});

describe('inbox service: pin, mute, archive, read state and drafts', () => {
  /** The service over the real vault and cache, a clock the test moves, and a client whose stream it drives. */
  async function withClock() {
    let clock = 1_000_000;
    const indexedDB = new IDBFactory();
    const local = createMemoryArea();
    const vault = createVault({ indexedDB, session: createMemoryArea() });
    const cache = createInboxCache({ keys: testCacheKeys(), indexedDB, now: () => clock });
    const notified: string[] = [];
    const scheduled: (number | undefined)[] = [];
    let stream: StreamHandlers | undefined;
    const unavailable = async (): Promise<never> => {
      throw new Error('not used by this test');
    };
    const adapter: ClientAdapter = {
      create: async () => ({
        address: SELF,
        exportKeyBundle: unavailable,
        listConversations: async () => [],
        messages: async () => [],
        send: unavailable,
        sendReadReceipt: unavailable,
        newConversation: unavailable,
        canMessage: async () => true,
        setConsent: async () => undefined,
        streamAll(handlers) {
          stream = handlers;
          handlers.onConnection?.(true); // live at once, as the real adapter reports once subscribed
          return () => undefined;
        },
        deviceNotes: silentDeviceNotes,
        close: async () => undefined,
      }),
    };
    const service = createInboxService({
      vault,
      cache,
      local,
      adapter,
      wallet: createTabWallet({ queryTabs: async () => [], sendToTab: async () => undefined }),
      fetch: async () => new Response(''),
      now: () => clock,
      notify: (title) => notified.push(title),
      scheduleMuteExpiry: (at) => scheduled.push(at),
    });
    const updates: InboxUpdate[] = [];
    service.subscribe((u) => updates.push(u));
    await vault.create('c3RhbmQtaW4=', PASSWORD);
    await local.set({ account: { address: SELF, identity: 'local' } });
    const OTHER = '/xmtp/0/m-other/proto';
    await cache.putConversations([
      { topic: TOPIC, peerAddress: PEER, createdAt: 1, consent: 'allowed' },
      { topic: OTHER, peerAddress: PEER, createdAt: 2, consent: 'allowed' },
    ]);
    let n = 0;
    /** A message from the peer through the live stream, applied like the real one. */
    const receive = async (topic: string, text: string) => {
      if (!stream) await service.refresh();
      stream!.onMessage({
        id: `m${++n}`,
        topic,
        senderAddress: PEER,
        sentAt: clock,
        contentType: CONTENT_TYPES.text,
        content: text,
      });
      const deadline = Date.now() + 2_000;
      while (!(await cache.getMessage(`m${n}`))) {
        if (Date.now() > deadline) throw new Error('the message was not applied');
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 10)); // the notification check after it
    };
    return {
      service,
      cache,
      notified,
      scheduled,
      updates,
      receive,
      OTHER,
      tick: (ms: number) => void (clock += ms),
      now: () => clock,
    };
  }

  it('pins: pinned conversations list first in the order pinned; pinning again keeps the place', async () => {
    const { service, OTHER, tick, updates } = await withClock();
    expect((await service.listConversations()).map((c) => c.topic)).toEqual([OTHER, TOPIC]);
    const pinned = await service.pin(TOPIC, true);
    expect(pinned).toMatchObject({ pinnedAt: 1_000_000, pinSetAt: 1_000_000 });
    expect(updates).toContainEqual({ kind: 'conversations', topics: [TOPIC] });
    tick(10);
    await service.pin(OTHER, true);
    await service.pin(TOPIC, true);
    expect((await service.listConversations()).map((c) => c.topic)).toEqual([TOPIC, OTHER]);
    tick(10);
    const unpinned = await service.pin(TOPIC, false);
    expect(unpinned.pinnedAt).toBeUndefined();
    expect(unpinned.pinSetAt).toBe(1_000_020);
    expect((await service.listConversations({ limit: 1 })).map((c) => c.topic)).toEqual([OTHER]);
    await expect(service.pin('/unknown', true)).rejects.toMatchObject({ code: 'unknown_conversation' });
  });

  it('mutes: no notification and no unread total while muted; the mute ends when its time has passed', async () => {
    const { service, cache, notified, scheduled, receive, tick, now } = await withClock();
    await receive(TOPIC, 'before the mute');
    expect(notified).toHaveLength(1);
    await service.markRead(TOPIC);

    const muted = await service.mute(TOPIC, now() + 60_000);
    expect(muted).toMatchObject({ mutedUntil: now() + 60_000, mutedSetAt: now() });
    expect(scheduled.at(-1)).toBe(now() + 60_000);
    await receive(TOPIC, 'while muted');
    expect(notified).toHaveLength(1);
    expect((await cache.getConversation(TOPIC))?.unread).toBe(1);
    expect(await cache.totalUnread()).toBe(0);

    tick(30_000);
    await service.expireMutes(); // too early: still muted
    expect((await cache.getConversation(TOPIC))?.mutedUntil).toBeDefined();
    tick(30_000);
    await service.expireMutes();
    const after = await cache.getConversation(TOPIC);
    expect(after?.mutedUntil).toBeUndefined();
    expect(after?.mutedSetAt).toBe(now() - 60_000);
    expect(scheduled.at(-1)).toBeUndefined(); // nothing left to end
    expect(await cache.totalUnread()).toBe(1);
    await receive(TOPIC, 'after the mute');
    expect(notified).toHaveLength(2);
  });

  it('mutes until unmuted, schedules the earliest timed mute, and refuses a mute that ends in the past', async () => {
    const { service, cache, scheduled, OTHER, now, tick } = await withClock();
    await service.mute(TOPIC, MUTED_FOREVER);
    expect(scheduled.at(-1)).toBeUndefined();
    const named = await service.mute(OTHER, '8h');
    expect(named.mutedUntil! - named.mutedSetAt!).toBe(8 * 3_600_000);
    expect(scheduled.at(-1)).toBe(now() + 8 * 3_600_000);
    tick(8 * 3_600_000);
    await service.expireMutes();
    expect((await cache.getConversation(OTHER))?.mutedUntil).toBeUndefined();
    expect((await cache.getConversation(TOPIC))?.mutedUntil).toBe(MUTED_FOREVER);
    const unmuted = await service.mute(TOPIC, null);
    expect(unmuted.mutedUntil).toBeUndefined();
    expect(unmuted.mutedSetAt).toBe(now());
    await expect(service.mute(TOPIC, now() - 1)).rejects.toMatchObject({ code: 'invalid_mute' });
    await expect(service.mute(TOPIC, Number.NaN)).rejects.toMatchObject({ code: 'invalid_mute' });
    expect(() => muteUntil('2s' as MuteDuration, now())).toThrow(/1h, 8h, 1w or forever/);
    await expect(service.mute(TOPIC, '2s' as MuteDuration)).rejects.toMatchObject({ code: 'invalid_mute' });
  });

  it('archives, and a new message from the peer brings the conversation back unless it is muted', async () => {
    const { service, cache, receive, OTHER, now } = await withClock();
    expect(await service.archive(TOPIC, true)).toMatchObject({ archivedAt: now(), archiveSetAt: now() });
    await service.archive(OTHER, true);
    await service.mute(OTHER, MUTED_FOREVER);
    await receive(TOPIC, 'back to the inbox');
    await receive(OTHER, 'stay archived');
    expect((await cache.getConversation(TOPIC))?.archivedAt).toBeUndefined();
    expect((await cache.getConversation(OTHER))?.archivedAt).toBe(now());
    expect((await service.archive(OTHER, false)).archivedAt).toBeUndefined();
  });

  it('marks unread and read, one or all', async () => {
    const { service, cache, receive, OTHER, updates } = await withClock();
    expect((await service.markUnread(TOPIC)).unread).toBe(1);
    expect(await cache.totalUnread()).toBe(1);
    await receive(OTHER, 'one');
    await receive(OTHER, 'two');
    expect((await service.markUnread(OTHER)).unread).toBe(2); // already unread: the count stays
    updates.length = 0;
    await service.markAllRead();
    expect(await cache.totalUnread()).toBe(0);
    expect(updates).toEqual([{ kind: 'conversations', topics: expect.arrayContaining([TOPIC, OTHER]) }]);
  });

  it('keeps a draft per conversation, clears it when the message is sent, and drops a stale save', async () => {
    const { service, cache, OTHER, tick } = await withClock();
    expect((await service.setDraft(TOPIC, 'half a tho')).draft).toEqual({
      text: 'half a tho',
      updatedAt: 1_000_000,
    });
    tick(5);
    await service.setDraft(TOPIC, 'half a thought');
    await service.setDraft(OTHER, 'elsewhere');
    expect((await cache.getConversation(TOPIC))?.draft?.text).toBe('half a thought');
    tick(5);
    await service.send(TOPIC, { type: 'text', text: 'half a thought' }); // fails (no send), still clears
    expect((await cache.getConversation(TOPIC))?.draft).toEqual({ text: '', updatedAt: 1_000_010 });
    expect((await cache.getConversation(OTHER))?.draft?.text).toBe('elsewhere');
    // A save made before the send that arrives after it does not bring the text back.
    await cache.updateConversation(TOPIC, draftChange('half a thought', 1_000_005));
    expect((await cache.getConversation(TOPIC))?.draft?.text).toBe('');
    await service.setDraft(OTHER, '');
    expect((await cache.getConversation(OTHER))?.draft?.text).toBe('');
    await expect(service.setDraft(TOPIC, 'x'.repeat(MAX_DRAFT_LENGTH + 1))).rejects.toMatchObject({
      code: 'draft_too_long',
    });
  });
});
