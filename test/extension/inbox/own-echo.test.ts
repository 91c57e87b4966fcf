import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRecord } from '@/extension/cache/records';
import { realInboxService } from '../../helpers/real-inbox';
import { until } from '../../helpers/until';
import { startTestNode, type TestNode } from '../../network/helpers';
import { throwawayAdapter } from '../../helpers/throwaway-adapter';

// Our own message comes back on the live stream, often before the send has stored its sent copy over the pending
// one: the thread must never show it twice, not even for a moment (it did, for files especially).
let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(() => node.close());

describe('a message this install sends', () => {
  it('shows once in the thread at every update, from pending to sent', async () => {
    const service = realInboxService();
    const me = await service.createLocalKey({ password: 'correct horse battery', nodes: [node.url] });
    const friend = await throwawayAdapter().create({ kind: 'generate' }, { nodes: [node.url] });
    const { topic } = await friend.newConversation(me.address!);
    await friend.send(topic, { type: 'text', text: 'hi' });
    await until(
      async () => (await service.listMessages(topic).catch(() => [])).length === 1,
      'the first message',
    );
    await until(async () => (await service.state()).online, 'the stream live');

    const seen: MessageRecord[][] = [];
    const reads: Promise<void>[] = [];
    service.subscribe((update) => {
      if (update.kind === 'messages' && update.topic === topic)
        reads.push(service.listMessages(topic).then((messages) => void seen.push(messages)));
    });
    const texts = Array.from({ length: 20 }, (_, i) => `mine ${i}`);
    for (const text of texts) await service.send(topic, { type: 'text', text });
    await until(
      async () => (await service.listMessages(topic)).every((m) => m.status === 'sent'),
      'all sent',
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // the last stream copies
    await Promise.all(reads);
    for (const messages of seen) {
      const contents = messages.map((m) => m.content);
      expect(new Set(contents).size, JSON.stringify(contents)).toBe(contents.length);
    }
    const final = await service.listMessages(topic);
    expect(final.map((m) => m.content)).toEqual(['hi', ...texts]);
    await service.lock();
    await friend.close();
  });
});
