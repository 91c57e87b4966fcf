// streamAllMessages must stream every conversation that starts after it was called, even one whose invitation
// lands before the node has registered the stream's topics (issue #5: the extension lost such conversations
// when the stream listed first and subscribed after). The window is made deterministic by holding back the
// WebSocket's topic registration (the client takes its WebSocket constructor injected) until the peer has
// started the conversation and sent a message.
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DecodedMessage } from '@/client';
import { collect, createClient, newWallet, startTestNode, until, type TestNode } from '../helpers';

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.close();
});

/** A ws constructor whose frames (the topic registration) wait until `release()`; `held` counts them. */
function gatedWebSocket() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const gate = { held: 0, release: () => release(), WebSocket: WebSocket as unknown };
  class GatedWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      const send = this.send.bind(this) as (...frame: unknown[]) => void;
      (this as { send: unknown }).send = (...frame: unknown[]) => {
        gate.held++;
        void released.then(() => send(...frame));
      };
    }
  }
  gate.WebSocket = GatedWebSocket;
  return gate;
}

it('streamAllMessages picks up a conversation started before its subscription was registered', async () => {
  const gate = gatedWebSocket();
  const alice = await createClient(newWallet(), node.url);
  const bob = await createClient(newWallet(), node.url, { WebSocket: gate.WebSocket });
  const all: DecodedMessage[] = collect(bob.conversations.streamAllMessages());
  await until(() => gate.held > 0); // the stream's socket is open, its topics not yet registered

  const conversation = await alice.conversations.newConversation(bob.address, { conversationId: 'race' });
  await conversation.send('sent inside the window');
  gate.release();

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

it('stream() yields a conversation whose invitation landed before its subscription was registered', async () => {
  const gate = gatedWebSocket();
  const alice = await createClient(newWallet(), node.url);
  const bob = await createClient(newWallet(), node.url, { WebSocket: gate.WebSocket });
  const earlier = await alice.conversations.newConversation(bob.address, {
    conversationId: 'before the stream',
  });
  const started = collect(bob.conversations.stream());
  await until(() => gate.held > 0);

  const conversation = await alice.conversations.newConversation(bob.address, {
    conversationId: 'in the window',
  });
  gate.release();
  await until(() => started.length === 1);
  expect(started[0]!.topic).toBe(conversation.topic);
  await new Promise((r) => setTimeout(r, 300));
  expect(started.map((c) => c.topic)).not.toContain(earlier.topic); // from the call on, not before
  await bob.close();
  await alice.close();
});
