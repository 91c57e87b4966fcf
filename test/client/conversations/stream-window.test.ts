// streamAllMessages must stream every conversation that starts after it was called, even one whose invitation
// lands before the node has registered the stream's topics (issue #5: the extension lost such conversations
// when the stream listed first and subscribed after). The window is made deterministic by holding back the
// WebSocket's topic registration (the client takes its WebSocket constructor injected) until the peer has
// started the conversation and sent a message.
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DecodedMessage, Stream } from '@/client';
import { createClient, newWallet, startTestNode, type TestNode } from '../helpers';

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.close();
});

function collect<T>(stream: Stream<T>): T[] {
  const out: T[] = [];
  void (async () => {
    for await (const v of stream) out.push(v);
  })();
  return out;
}

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('streamAllMessages picks up a conversation started before its subscription was registered', async () => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = 0;
  /** ws whose frames (the topic registration) wait until the test releases them. */
  class GatedWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      const send = this.send.bind(this) as (...frame: unknown[]) => void;
      (this as { send: unknown }).send = (...frame: unknown[]) => {
        held++;
        void released.then(() => send(...frame));
      };
    }
  }
  const alice = await createClient(newWallet(), node.url);
  const bob = await createClient(newWallet(), node.url, { WebSocket: GatedWebSocket });
  const all: DecodedMessage[] = collect(bob.conversations.streamAllMessages());
  await until(() => held > 0); // the stream's socket is open, its topics not yet registered

  const conversation = await alice.conversations.newConversation(bob.address, { conversationId: 'race' });
  await conversation.send('sent inside the window');
  release();

  await until(() => all.length === 1);
  expect(all[0]!.content).toBe('sent inside the window');
  expect(all[0]!.senderAddress).toBe(alice.address);
  await conversation.send('and after it');
  await until(() => all.length === 2);
  expect(all.map((m) => m.content)).toEqual(['sent inside the window', 'and after it']);
  const listed = await bob.conversations.listCached();
  expect(listed.map((c) => c.context?.conversationId)).toContain('race');
  await bob.close();
  await alice.close();
});
