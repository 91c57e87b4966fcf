// streamAllMessages lists conversations, then subscribes. An invitation that lands after the list's query
// and before the subscription must still come through (issue #5: the extension lost such conversations).
// The window is made deterministic with the client's injected fetch: the peer starts the conversation while
// the list's invite query is answered, before the answer is handed back.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DecodedMessage, Stream } from '@/client';
import { inviteTopic } from '@/protocol/topics';
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

it('streamAllMessages picks up a conversation started between its list and its subscription', async () => {
  const bobWallet = newWallet();
  const alice = await createClient(newWallet(), node.url);
  const bobInvites = JSON.stringify(inviteTopic(bobWallet.address)).slice(1, -1);
  let inWindow: (() => Promise<void>) | undefined;
  const windowFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const body = typeof init?.body === 'string' ? init.body : '';
    if (String(input).endsWith('/message/v1/query') && body.includes(bobInvites) && inWindow) {
      // The node has answered the list's invite query; the conversation starts before the list sees it.
      const run = inWindow;
      inWindow = undefined;
      await run();
    }
    return response;
  };
  const bob = await createClient(bobWallet, node.url, { fetch: windowFetch });
  let started = false;
  inWindow = async () => {
    const conversation = await alice.conversations.newConversation(bob.address, { conversationId: 'race' });
    await conversation.send('sent inside the window');
    started = true;
  };
  const all: DecodedMessage[] = collect(bob.conversations.streamAllMessages());
  await until(() => started);
  await until(() => all.length === 1);
  expect(all[0]!.content).toBe('sent inside the window');
  expect(all[0]!.senderAddress).toBe(alice.address);
  const listed = await bob.conversations.listCached();
  expect(listed.map((c) => c.context?.conversationId)).toContain('race');
  await bob.close();
  await alice.close();
});
