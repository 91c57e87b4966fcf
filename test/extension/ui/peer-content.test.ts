import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as XmtpJs } from '@xmtp/xmtp-js';
import { h } from 'preact';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewOf, UNSUPPORTED_PREVIEW } from '@/extension/cache/preview';
import { CONTENT_TYPES, type ConversationRecord, type MessageRecord } from '@/extension/cache/records';
import type { ClientSession } from '@/extension/client-adapter';
import { startNode, type XmtpNode } from '@/network/node';
import { ConversationRow, UNRENDERABLE_CONVERSATION } from '@/ui/components/conversation-row';
import { MessageBubble, UNRENDERABLE_MESSAGE } from '@/ui/components/message-bubble';
import { buildThread, isMine, UNSUPPORTED_TEXT } from '@/ui/thread-model';
import { fuzzed, handMade, RAW, rawCodec, type TheirEncoded } from './peer-content-cases';
import { renderToDom } from './render';
import { randomXmtpJsWallet } from '../../helpers/xmtp-js-wallet';
import { throwawayAdapter } from '../../helpers/throwaway-adapter';

// Issue #21 item 2: whatever content a peer sends, every message reaches the popup as something it can show
// (its text, the sender's fallback, or "Unsupported message"), and neither the thread nor the list breaks.
// A real xmtp-js 13 peer on a real node sends hand-made and random EncodedContent; our extension adapter reads
// it; the popup's own components render it into a real DOM (linkedom).

let node: XmtpNode;
let dataDir: string;
let peer: Awaited<ReturnType<typeof XmtpJs.create>>;
let me: ClientSession;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-peer-content-'));
  node = await startNode({ port: 0, dataDir, rateLimit: false });
  peer = await XmtpJs.create(randomXmtpJsWallet(), { env: 'local', apiUrl: node.url, codecs: [rawCodec] });
  const adapter = throwawayAdapter();
  me = await adapter.create({ kind: 'generate' }, { nodes: [node.url] });
});

afterAll(async () => {
  await me?.close();
  await peer?.close();
  await node?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('content from a peer', { timeout: 120_000 }, () => {
  it('every hand-made, random and mutated message renders in the thread and the list, and nothing is dropped', async () => {
    const conversation = await peer.conversations.newConversation(me.address);
    const sent: TheirEncoded[] = [];
    for (const encoded of [...handMade(), ...fuzzed(160, 2126)]) {
      // xmtp-js itself refuses a few shapes before sending (a compression it cannot apply, say): those never
      // reach the network, so they are not expected on our side.
      const ok = await conversation.send(encoded, { contentType: RAW }).then(
        () => true,
        () => false,
      );
      if (ok) sent.push(encoded);
    }
    expect(sent.length).toBeGreaterThan(150);
    await conversation.send('a good message after all of that');

    const [info] = await me.listConversations();
    const received = await me.messages(info!.topic, { limit: 1000 });
    expect(received).toHaveLength(sent.length + 1);
    const records: MessageRecord[] = received.map((m) => ({ ...m, status: 'sent' }));
    // The records cross to the popup as JSON: they must survive it unchanged.
    expect(JSON.parse(JSON.stringify(records))).toEqual(records);

    // The thread: every message that is not a reaction or read receipt renders as a bubble with some text.
    const thread = buildThread(records, me.address);
    const bubbles = thread.flatMap((item) => (item.kind === 'message' ? [item.item] : []));
    expect(bubbles.length).toBeGreaterThan(100);
    const errors: unknown[] = [];
    const originalError = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      const view = renderToDom(
        h(
          'ul',
          null,
          bubbles.map((entry) =>
            h(MessageBubble, {
              key: entry.message.id,
              entry,
              mine: isMine(entry.message, me.address),
              onRetry: () => undefined,
              onReply: () => undefined,
              onReact: () => undefined,
              loadFile: () => Promise.reject(new Error('no files in this test')),
              autoLoadFiles: false,
            }),
          ),
        ),
      );
      const items = [...view.container.querySelectorAll('li.message')];
      expect(items).toHaveLength(bubbles.length);
      const empty = bubbles.filter(
        (_, i) => !(items[i]!.querySelector('.bubble p')?.textContent ?? '').length,
      );
      expect(empty.map((e) => [e.message.contentType, e.message.content, e.message.unsupported])).toEqual([]);
      expect(view.text()).not.toContain(UNRENDERABLE_MESSAGE);
      expect(view.text()).toContain('a good message after all of that');
      // Known ways to be wrong show the sender's fallback, or say the message is unsupported.
      expect(view.text()).toContain('A poll: tea or coffee?');
      expect(view.text()).toContain('Replied with a poll');
      expect(view.text()).toContain(UNSUPPORTED_TEXT);
      view.unmount();

      // The list: each message as the last one of a conversation row.
      const rows = records.map((m, i): ConversationRecord => ({
        topic: `/t/${i}`,
        peerAddress: peer.address,
        createdAt: 0,
        unread: 1,
        consent: 'allowed',
        lastMessage: { id: m.id, senderAddress: m.senderAddress, sentAt: m.sentAt, preview: previewOf(m) },
      }));
      const list = renderToDom(
        h(
          'div',
          null,
          rows.map((row) =>
            h(ConversationRow, { key: row.topic, conversation: row, onOpen: () => undefined }),
          ),
        ),
      );
      expect(list.container.querySelectorAll('.preview')).toHaveLength(rows.length);
      for (const preview of list.container.querySelectorAll('.preview'))
        expect((preview.textContent ?? '').length).toBeGreaterThan(0);
      expect(list.text()).not.toContain(UNRENDERABLE_CONVERSATION);
      expect(list.text()).toContain(UNSUPPORTED_PREVIEW);
      list.unmount();
    } finally {
      console.error = originalError;
    }
    expect(errors).toEqual([]);
  });

  it('one record the components did not foresee shows a note in its place, and the rest still render', () => {
    const good: MessageRecord = {
      id: 'good',
      topic: '/t',
      senderAddress: peer.address,
      sentAt: Date.now(),
      contentType: CONTENT_TYPES.text,
      content: 'still here',
      status: 'sent',
    };
    // A record no decoder makes (no sender, a time that is not one): buildThread copes, and the bubble's own
    // boundary catches what throws below it.
    const broken = {
      ...good,
      id: 'broken',
      senderAddress: undefined,
      sentAt: Number.NaN,
    } as unknown as MessageRecord;
    const entries = buildThread([broken, good], me.address).flatMap((i) =>
      i.kind === 'message' ? [i.item] : [],
    );
    const throwing = { ...entries[0]!, reactions: null } as unknown as (typeof entries)[0];
    const originalError = console.error;
    console.error = () => undefined;
    try {
      const view = renderToDom(
        h(
          'ul',
          null,
          [throwing, entries[1]!].map((entry) =>
            h(MessageBubble, {
              key: entry.message.id,
              entry,
              mine: false,
              onRetry: () => undefined,
              onReply: () => undefined,
              onReact: () => undefined,
              loadFile: () => Promise.reject(new Error('no files in this test')),
              autoLoadFiles: false,
            }),
          ),
        ),
      );
      expect(view.text()).toContain(UNRENDERABLE_MESSAGE);
      expect(view.text()).toContain('still here');
      view.unmount();
    } finally {
      console.error = originalError;
    }
  });
});
