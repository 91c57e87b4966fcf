import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { startNode, type XmtpNode } from '@/network/node';
import { createInboxCache } from '@/extension/cache/cache';
import { CONTENT_TYPES } from '@/extension/cache/records';
import type { DecodedMessage } from '@/extension/client-adapter';
import { createLocalWallet } from '@/extension/client/local-wallet';
import { encodePrivateKeyBundle } from '@/protocol/bundles';
import { toBase64 } from '@/protocol/bytes';
import { createPrivateKeyBundle } from '@/protocol/identity';
import type { InboxUpdate } from '@/extension/inbox/contract';
import { createMemoryArea } from '../../helpers/memory-area';
import { realInboxService, type InstallStorage } from '../../helpers/real-inbox';
import { createVault } from '@/extension/vault/vault';
import { vaultCacheKeys } from '@/extension/cache/sealing';
import { until } from '../../helpers/until';
import { realNodeForFile } from '../../helpers/node-for-file';
import { throwawayAdapter } from '../../helpers/throwaway-adapter';

// The extension's adapter over our real client, against a real node on port 0 (no mocks): what the popup
// sees after onboarding, sending and streaming.
let node: XmtpNode;
realNodeForFile('xmtp-inbox-ext-', (started) => (node = started));

/** A peer's client cache, encrypted under a throwaway key (the extension's comes from its vault). */
const adapter = () => throwawayAdapter();

/** The background's inbox service on the given storage (the same storage again = a restarted worker). */
const inboxService = ({
  notify,
  ...storage
}: InstallStorage & { notify?: (title: string, body: string) => void } = {}) =>
  realInboxService(storage, notify ? { notify } : {});

const jsonRoundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('XMTP client adapter', () => {
  it('converses between a wallet identity and a local key, with JSON-safe records', async () => {
    const peerWallet = createLocalWallet();
    const peer = await adapter().create({ kind: 'wallet', signer: peerWallet }, { nodes: [node.url] });
    const me = await adapter().create({ kind: 'generate' }, { nodes: [node.url] });
    expect(peer.address).toBe(peerWallet.address);
    expect(await me.canMessage(peer.address)).toBe(true);

    const received: DecodedMessage[] = [];
    const stop = peer.streamAll({
      onMessage: (m) => received.push(m),
      onConversation: () => {},
      onError: () => {},
    });
    // The client's stream goes live a moment after streamAll returns (it lists first, then subscribes) and does
    // not replay what came before: warm it up with throwaway conversations until one message streams in.
    for (let i = 0; received.length === 0; i++) {
      if (i === 60) throw new Error('the stream never went live');
      const warmup = await me.newConversation(peer.address, `warmup/${i}`);
      await me.send(warmup.topic, { type: 'text', text: 'warm-up' });
      await new Promise((r) => setTimeout(r, 250));
    }
    received.length = 0;

    const conversation = await me.newConversation(peer.address, 'example.com/thread/1');
    expect(conversation).toMatchObject({ peerAddress: peer.address, conversationId: 'example.com/thread/1' });
    const text = await me.send(conversation.topic, { type: 'text', text: 'gm from the extension' });
    const reply = await me.send(conversation.topic, {
      type: 'reply',
      reference: text.id,
      text: 'and a reply',
    });
    const reaction = await me.send(conversation.topic, {
      type: 'reaction',
      reference: text.id,
      emoji: '🚀',
      action: 'added',
    });
    expect(jsonRoundTrip(reply)).toEqual(reply);
    expect(reply).toMatchObject({
      contentType: CONTENT_TYPES.reply,
      content: { reference: text.id, contentType: CONTENT_TYPES.text, content: 'and a reply' },
    });
    expect(reaction.content).toMatchObject({
      reference: text.id,
      action: 'added',
      content: '🚀',
      schema: 'unicode',
    });

    const listed = (await peer.listConversations()).find((c) => c.topic === conversation.topic);
    expect(listed).toMatchObject({
      peerAddress: me.address,
      consent: 'unknown',
      conversationId: 'example.com/thread/1',
    });
    const messages = await peer.messages(conversation.topic);
    expect(messages.map((m) => m.id)).toEqual([text.id, reply.id, reaction.id]);
    expect(jsonRoundTrip(messages)).toEqual(messages);
    await until(() => (received.length >= 3 ? true : undefined), 'streamed messages');
    expect(received.map((m) => m.id)).toEqual([text.id, reply.id, reaction.id]);
    stop();

    // The exported key bundle brings the same identity back, as after a worker restart.
    const again = await adapter().create(
      { kind: 'key', keyBundle: await me.exportKeyBundle() },
      { nodes: [node.url] },
    );
    expect(again.address).toBe(me.address);
    expect((await again.messages(conversation.topic)).map((m) => m.id)).toEqual([
      text.id,
      reply.id,
      reaction.id,
    ]);
    await Promise.all([peer.close(), me.close(), again.close()]);
  });

  it('runs the inbox service end to end: onboard, send, receive into the cache, allow, restart from the vault', async () => {
    const indexedDB = new IDBFactory();
    const session = createMemoryArea();
    const local = createMemoryArea();
    const build = () => inboxService({ indexedDB, session, local });
    const service = build();
    const updates: InboxUpdate[] = [];
    service.subscribe((u) => updates.push(u));
    const state = await service.createLocalKey({ password: 'correct horse battery', nodes: [node.url] });
    expect(state).toMatchObject({ vault: 'unlocked', identity: 'local' });
    await until(async () => ((await service.state()).online ? true : undefined), 'the stream to go live');

    const friend = await adapter().create({ kind: 'generate' }, { nodes: [node.url] });
    const conversation = await service.newConversation(friend.address);
    expect(conversation.consent).toBe('allowed');
    const sent = await service.send(conversation.topic, { type: 'text', text: 'hello friend' });
    expect(sent).toMatchObject({ status: 'sent', content: 'hello friend' });
    expect(sent.id).toMatch(/^[0-9a-f]{64}$/);

    // The friend answers; the background's stream puts it in the cache with an unread mark.
    const [theirs] = await friend.listConversations();
    const answer = await friend.send(theirs!.topic, { type: 'text', text: 'hello back' });
    const cached = await until(async () => {
      const [c] = await service.listConversations();
      return c?.lastMessage?.id === answer.id ? c : undefined;
    }, 'the streamed answer in the cache');
    expect(cached).toMatchObject({
      unread: 1,
      lastMessage: { preview: 'hello back', senderAddress: friend.address },
    });
    expect(updates).toContainEqual({ kind: 'messages', topic: conversation.topic });

    // A new service over the same storage (a restarted worker) reconnects from the vault without a password.
    await service.lock();
    await service.unlock('correct horse battery');
    const restarted = build();
    expect((await restarted.state()).vault).toBe('unlocked');
    await restarted.resume();
    await until(
      async () => ((await restarted.state()).online ? true : undefined),
      'the restarted stream live',
    );
    expect((await restarted.listMessages(conversation.topic)).map((m) => m.id)).toEqual([sent.id, answer.id]);
    expect(await restarted.canMessage(friend.address)).toBe(true);
    await restarted.lock();
    await service.lock();
    await friend.close();
  });

  it('imports an encoded key bundle made elsewhere (e.g. by the CLI) as the same identity', async () => {
    const elsewhere = await adapter().create({ kind: 'generate' }, { nodes: [node.url] });
    const keyBundle = await elsewhere.exportKeyBundle();
    await elsewhere.close();
    const service = inboxService();
    await expect(
      service.importKey({ keyBundle: 'bm90IGEga2V5', password: 'correct horse battery', nodes: [node.url] }),
    ).rejects.toHaveProperty('code');
    expect((await service.state()).vault).toBe('empty');
    const state = await service.importKey({
      keyBundle,
      password: 'correct horse battery',
      nodes: [node.url],
    });
    expect(state).toMatchObject({ vault: 'unlocked', identity: 'imported', address: elsewhere.address });
    await service.lock();
  });
});

describe('the contact bundle', () => {
  /** An identity whose contact bundle was never published, as a key bundle the adapter takes. */
  const unpublishedIdentity = async () => {
    const wallet = createLocalWallet();
    return {
      address: wallet.address,
      keyBundle: toBase64(encodePrivateKeyBundle(await createPrivateKeyBundle(wallet))),
    };
  };

  it('is published before an imported key opens, and checked beside the stream when a session resumes', async () => {
    const peer = await adapter().create({ kind: 'generate' }, { nodes: [node.url] });
    // An import: reachable as soon as it has opened.
    const imported = await unpublishedIdentity();
    const opened = await adapter().create(
      { kind: 'key', keyBundle: imported.keyBundle },
      { nodes: [node.url] },
    );
    expect(await peer.canMessage(imported.address)).toBe(true);
    await opened.close();
    // A resumed session (whose bundle went missing): republished in the background.
    const resumed = await unpublishedIdentity();
    const session = await adapter().create(
      { kind: 'key', keyBundle: resumed.keyBundle, resumed: true },
      { nodes: [node.url] },
    );
    await until(async () => (await peer.canMessage(resumed.address)) || undefined, 'the bundle republished');
    await session.close();
    await peer.close();
  });
});

describe('catch-up after a worker restart', () => {
  it('fetches messages sent while the worker slept even when the stream already brought a newer one', async () => {
    const indexedDB = new IDBFactory();
    const session = createMemoryArea();
    const local = createMemoryArea();
    const build = () => inboxService({ indexedDB, session, local });
    const service = build();
    const me = await service.createLocalKey({ password: 'correct horse battery', nodes: [node.url] });
    const friend = await adapter().create({ kind: 'generate' }, { nodes: [node.url] });
    const { topic } = await friend.newConversation(me.address!);
    await friend.send(topic, { type: 'text', text: 'before' });
    await service.refresh();
    expect((await service.listMessages(topic)).map((m) => m.content)).toEqual(['before']);
    await service.lock(); // the worker stops: no stream

    const asleep = await friend.send(topic, { type: 'text', text: 'while asleep' });
    const newest = await friend.send(topic, { type: 'text', text: 'newest' });
    // The restarted worker's live stream wins the race and caches the newest message first (made
    // deterministic by writing what the stream would write before the catch-up runs).
    // The vault unlocked by itself (no service, so no catch-up of its own runs), as the popup leaves it.
    const vault = createVault({ indexedDB, session });
    await vault.unlock('correct horse battery');
    const stream = createInboxCache({ keys: vaultCacheKeys(vault), indexedDB });
    await stream.addMessages([{ ...newest, status: 'sent' }], me.address!);
    expect((await stream.listMessages(topic)).map((m) => m.content)).toEqual(['before', 'newest']);
    const restarted = build();
    await restarted.resume();
    const messages = await restarted.listMessages(topic);
    expect(messages.map((m) => m.content)).toEqual(['before', 'while asleep', 'newest']);
    expect(messages.map((m) => m.id)).toContain(asleep.id);
    await restarted.lock();
    await friend.close();
  });
});

describe('notifications', () => {
  it('notifies of new messages from allowed senders (content only when chosen), and not once the setting is off', async () => {
    const notified: [string, string][] = [];
    const service = inboxService({ notify: (title, body) => void notified.push([title, body]) });
    const me = await service.createLocalKey({ password: 'correct horse battery', nodes: [node.url] });
    const friend = await adapter().create({ kind: 'generate' }, { nodes: [node.url] });
    const { topic } = await friend.newConversation(me.address!);
    await friend.send(topic, { type: 'text', text: 'a request' });
    const cached = async (text: string) =>
      (await service.listMessages(topic).catch(() => [])).some((m) => m.content === text) || undefined;
    await until(() => cached('a request'), 'the request in the cache');
    expect(notified).toEqual([]); // an unknown sender is a request: no notification

    await service.setConsent(topic, 'allowed');
    await friend.send(topic, { type: 'text', text: 'now allowed' });
    await until(() => (notified.length > 0 ? true : undefined), 'a notification');
    // By default a notification says only that something arrived (issue #21).
    expect(notified).toEqual([['New XMTP message', 'Open XMTP Inbox to read it.']]);

    await service.updateSettings({ notificationContent: true });
    await friend.send(topic, { type: 'text', text: 'with content' });
    await until(() => (notified.length > 1 ? true : undefined), 'a second notification');
    expect(notified[1]).toEqual([friend.address, 'with content']);

    await service.updateSettings({ notifications: false });
    await friend.send(topic, { type: 'text', text: 'muted' });
    await until(() => cached('muted'), 'the muted message in the cache');
    expect(notified).toHaveLength(2);
    await service.lock();
    await friend.close();
  });
});

describe('connection state', () => {
  it('shows online only while the message stream is live: off when the node goes down, on once it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-ext-online-'));
    let own = await startNode({ port: 0, dataDir: dir, rateLimit: false });
    const port = own.port;
    const service = inboxService();
    const states: boolean[] = [];
    service.subscribe(async (u) => {
      if (u.kind === 'state') states.push((await service.state()).online);
    });
    const online = (want: boolean) => async () =>
      (await service.state()).online === want ? true : undefined;
    try {
      await service.createLocalKey({ password: 'correct horse battery', nodes: [own.url] });
      await until(online(true), 'online after onboarding');
      await own.close();
      await until(online(false), 'offline once the node is down');
      own = await startNode({ port, dataDir: dir, rateLimit: false });
      await until(online(true), 'online again once the node is back');
      expect(states).toContain(false);
      expect(states.at(-1)).toBe(true);
    } finally {
      await service.lock();
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('one stream for conversations and messages', () => {
  it('announces a new conversation before any message, over a single WebSocket subscription', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-ext-one-stream-'));
    const own = await startNode({ port: 0, dataDir: dir, rateLimit: false });
    const websockets = async () =>
      (await own.metrics.subscriptions.get()).values.find((v) => v.labels.transport === 'websocket')?.value ??
      0;
    const me = await adapter().create({ kind: 'generate' }, { nodes: [own.url] });
    const friend = await adapter().create({ kind: 'generate' }, { nodes: [own.url] });
    const announced: string[] = [];
    let live = false;
    const stop = me.streamAll({
      onMessage: () => {},
      onConversation: (c) => announced.push(`${c.peerAddress} ${c.conversationId ?? ''}`),
      onError: () => {},
      onConnection: (connected) => void (live = connected),
    });
    try {
      await until(() => (live ? true : undefined), 'the stream to go live');
      // An invitation alone (no message yet) is enough to announce the conversation.
      await friend.newConversation(me.address, 'example.com/only-an-invite');
      await until(
        () => (announced.length > 0 ? true : undefined),
        'the conversation announced by the message stream',
      );
      expect(announced).toEqual([`${friend.address} example.com/only-an-invite`]);
      expect(await websockets()).toBe(1);
    } finally {
      stop();
      await Promise.all([me.close(), friend.close()]);
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
