// xmtp-js 13's streamAllMessages reopens its HTTP subscription each time it learns of a new conversation
// (issue #19 item 4, docs/node.md "Reopened subscriptions"). Against our node, over hundreds of reopens while
// peers publish, also with every core busy, it yields every message exactly once.
import { Client } from '@xmtp/xmtp-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEveryCore } from '../helpers/cpu-load';
import { until } from '../helpers/until';
import { viemWallet } from '../helpers/wallet';
import { startTestNode, type TestNode } from '../network/helpers';

type XmtpClient = Awaited<ReturnType<typeof Client.create>>;
type Message = { contentTopic: string; content: unknown };

let node: TestNode;
const newClient = () => Client.create(viemWallet(), { env: 'local', apiUrl: node.url });

/** Counts what a stream yields, by text. */
function count(stream: AsyncIterable<Message>, keep: (m: Message) => boolean = () => true) {
  const seen = new Map<string, number>();
  void (async () => {
    for await (const message of stream) {
      if (!keep(message)) continue;
      const text = String(message.content);
      seen.set(text, (seen.get(text) ?? 0) + 1);
    }
  })();
  return seen;
}

const stop = (stream: unknown) => (stream as { return(): Promise<unknown> }).return();

/** The texts not yielded once: missing ones and doubled ones. */
function notOnce(seen: Map<string, number>, texts: string[]) {
  return {
    missing: texts.filter((t) => !seen.has(t)),
    doubled: texts.filter((t) => (seen.get(t) ?? 0) > 1),
  };
}

describe('xmtp-js streamAllMessages reopening against our node', () => {
  beforeAll(async () => {
    node = await startTestNode({ reopenGraceMs: Number(process.env.REOPEN_GRACE_MS ?? 1000) });
  });
  afterAll(() => node.close());

  // A peer keeps sending on a conversation the stream has while new conversations keep arriving.
  async function chatThroughReopens(receiver: XmtpClient, reopens: number, tag: string) {
    const [inviter, chatter] = await Promise.all([newClient(), newClient()]);
    const chat = await chatter.conversations.newConversation(receiver.address);
    const stream = await receiver.conversations.streamAllMessages();
    const seen = count(stream, (m) => m.contentTopic === chat.topic);
    // The subscription opens in the background: it is live once a warm-up message comes through.
    for (let k = 0; seen.size === 0; k++) {
      await chat.send(`${tag} warm-up ${k}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const sent: string[] = [];
    let sending = true;
    const chatting = (async () => {
      for (let i = 0; sending; i++) {
        const text = `${tag} ${i}`;
        await chat.send(text);
        sent.push(text);
      }
    })();
    for (let i = 0; i < reopens; i++) {
      await inviter.conversations.newConversation(receiver.address, {
        conversationId: `${tag}/${i}`,
        metadata: {},
      });
    }
    sending = false;
    await chatting;
    await until(() => sent.every((t) => seen.has(t)), `all ${sent.length} messages`, 20_000).catch(
      () => undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // time for a double to show
    await stop(stream);
    await Promise.all([inviter.close(), chatter.close()]);
    return { sent: sent.length, ...notOnce(seen, [...new Set(sent)]) };
  }

  it('yields every message of a known conversation once across 150 reopens', async () => {
    const receiver = await newClient();
    const result = await chatThroughReopens(receiver, 150, 'idle');
    expect(result.sent).toBeGreaterThan(150);
    expect(result).toMatchObject({ missing: [], doubled: [] });
    await receiver.close();
  }, 240_000);

  it('yields every message once across 100 reopens with every core busy', async () => {
    const receiver = await newClient();
    const stopLoad = loadEveryCore();
    try {
      const result = await chatThroughReopens(receiver, 100, 'loaded');
      expect(result.sent).toBeGreaterThan(100);
      expect(result).toMatchObject({ missing: [], doubled: [] });
    } finally {
      await stopLoad();
      await receiver.close();
    }
  }, 300_000);

  // The shape of xmtp-js's own "streams all conversation messages from empty state": the stream starts with no
  // conversation, conversations are started by the owner and by peers, and messages follow once each has
  // settled. (A message sent within milliseconds of its conversation can be yielded twice by xmtp-js itself:
  // it both queries a new V2 conversation's history and streams its topic; no node can tell the two apart.)
  it('from an empty inbox, yields every message of 40 new conversations once', async () => {
    const receiver = await newClient();
    const peers = await Promise.all([newClient(), newClient(), newClient()]);
    const stream = await receiver.conversations.streamAllMessages();
    const seen = count(stream);
    const sent: string[] = [];
    const conversations: Array<{ send(text: string): Promise<unknown> }> = [];
    for (let i = 0; i < 40; i++) {
      const peer = peers[i % peers.length]!;
      const options = { conversationId: `empty/${i}`, metadata: {} };
      conversations.push(
        i % 2 === 0
          ? await receiver.conversations.newConversation(peer.address, options)
          : await peer.conversations.newConversation(receiver.address, options),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      // The new conversation and the one before it, so messages on old topics cross the reopen too.
      for (const conversation of conversations.slice(-2)) {
        const text = `round ${i}, message ${sent.length}`;
        await conversation.send(text);
        sent.push(text);
      }
    }
    await until(() => sent.every((t) => seen.has(t)), 'every message', 20_000).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await stop(stream);
    expect(notOnce(seen, sent)).toEqual({ missing: [], doubled: [] });
    await Promise.all([receiver.close(), ...peers.map((p) => p.close())]);
  }, 240_000);
});
