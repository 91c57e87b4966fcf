import { describe, expect, it } from 'vitest';
import { CONTENT_TYPES, type MessageRecord } from '@/extension/cache/records';
import { buildThread } from '@/ui/thread-model';

const ME = '0xAaAaaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa';
const PEER = '0x2222222222222222222222222222222222222222';
const DAY = 86_400_000;
const T0 = new Date(2026, 0, 10, 12).getTime();

const base = { topic: '/t', status: 'sent' as const };
const text = (id: string, sentAt: number, sender: string, body: string): MessageRecord => ({
  ...base,
  id,
  sentAt,
  senderAddress: sender,
  contentType: CONTENT_TYPES.text,
  content: body,
});
const reaction = (
  id: string,
  sentAt: number,
  sender: string,
  reference: string,
  action: 'added' | 'removed',
) => ({
  ...base,
  id,
  sentAt,
  senderAddress: sender,
  contentType: CONTENT_TYPES.reaction,
  content: { reference, action, content: '👍', schema: 'unicode' },
});

describe('thread model', () => {
  it('puts a date divider before the first message of each day', () => {
    const items = buildThread(
      [text('a', T0, PEER, 'one'), text('b', T0 + 60_000, ME, 'two'), text('c', T0 + DAY, PEER, 'three')],
      ME,
    );
    expect(items.map((i) => i.kind)).toEqual(['day', 'message', 'message', 'day', 'message']);
  });

  it('gathers reactions under their message, counting each sender once and honouring removals', () => {
    const items = buildThread(
      [
        text('a', T0, PEER, 'hello'),
        reaction('r1', T0 + 1, ME, 'a', 'added'),
        reaction('r2', T0 + 2, PEER, 'a', 'added'),
        reaction('r3', T0 + 3, PEER, 'a', 'added'),
        reaction('r4', T0 + 4, ME, 'a', 'removed'),
      ],
      ME,
    );
    const messages = items.filter((i) => i.kind === 'message');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.kind === 'message' && messages[0]!.item.reactions).toEqual([
      { emoji: '👍', count: 1, mine: false },
    ]);
  });

  it('shows a reply with the message it quotes, and says so when that message is not loaded', () => {
    const reply = (id: string, reference: string): MessageRecord => ({
      ...base,
      id,
      sentAt: T0 + 5,
      senderAddress: PEER,
      contentType: CONTENT_TYPES.reply,
      content: { reference, contentType: CONTENT_TYPES.text, content: 'agreed' },
    });
    const items = buildThread([text('a', T0, ME, 'lunch?'), reply('b', 'a'), reply('c', 'gone')], ME);
    const [, , quoted, missing] = items.map((i) => (i.kind === 'message' ? i.item : undefined));
    expect(quoted).toMatchObject({ text: 'agreed', quoted: { text: 'lunch?', mine: true } });
    expect(missing?.quoted).toEqual({ senderAddress: '', text: 'Original message not loaded', mine: false });
  });

  it('shows the fallback of content types it cannot render', () => {
    const custom: MessageRecord = {
      ...text('x', T0, PEER, ''),
      contentType: 'example.org/poll:1.0',
      content: null,
      fallback: 'A poll',
    };
    const [, entry] = buildThread([custom], ME);
    expect(entry?.kind === 'message' && entry.item.text).toBe('A poll');
  });

  it('puts "Seen" under the last of my messages the peer\'s newest read receipt covers, and shows no receipt', () => {
    const receipt = (id: string, sentAt: number, sender: string): MessageRecord => ({
      ...base,
      id,
      sentAt,
      senderAddress: sender,
      contentType: CONTENT_TYPES.readReceipt,
      content: {},
    });
    const thread = [
      text('a', T0, ME, 'one'),
      text('b', T0 + 10, ME, 'two'),
      receipt('r1', T0 + 5, PEER),
      receipt('r2', T0 + 20, PEER),
      receipt('mine', T0 + 40, ME),
      text('c', T0 + 30, ME, 'three, not read yet'),
      text('d', T0 + 31, PEER, 'theirs'),
    ].sort((x, y) => x.sentAt - y.sentAt);
    const entries = buildThread(thread, ME).flatMap((i) => (i.kind === 'message' ? [i.item] : []));
    expect(entries.map((e) => e.message.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(entries.filter((e) => e.seen).map((e) => e.message.id)).toEqual(['b']);
    // My own receipt says nothing about what the peer read.
    expect(
      buildThread(
        thread.filter((m) => m.senderAddress !== PEER),
        ME,
      ).some((i) => i.kind === 'message' && i.item.seen),
    ).toBe(false);
  });
});
