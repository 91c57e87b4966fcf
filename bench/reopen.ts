// `npm run bench -- reopen [--reopens=30]`
// Reopened subscriptions (issue #19 item 4, docs/node.md "Reopened subscriptions"): xmtp-js 13's
// streamAllMessages against our node while it reopens its HTTP subscription (a new conversation arrives every
// ~0.3 s) and a peer keeps sending on a conversation it already streams. Counts, per node setting, the messages
// of that conversation the stream never yielded and the ones it yielded twice: the node's reopen rule on
// (`--reopen-grace-ms 1000`, the default) and off (0, what the reference node does). Prints a markdown table.
import { cpus, loadavg } from 'node:os';
import { Client } from '@xmtp/xmtp-js';
import { startTestNode } from '../test/network/helpers';
import { viemWallet } from '../test/helpers/wallet';
import { flag } from './_args';

const REOPENS = Number(flag('reopens') ?? 30);
const log = (line: string) => console.error(`[bench reopen] ${line}`);

async function run(reopenGraceMs: number) {
  const node = await startTestNode({ reopenGraceMs });
  const options = { env: 'local' as const, apiUrl: node.url };
  const [receiver, inviter, chatter] = await Promise.all(
    [0, 1, 2].map(() => Client.create(viemWallet(), options)),
  );
  const chat = await chatter!.conversations.newConversation(receiver!.address);
  await chat.send('hello');
  const stream = await receiver!.conversations.streamAllMessages();
  const yielded = new Map<string, number>();
  void (async () => {
    for await (const message of stream) {
      if (message.contentTopic !== chat.topic) continue;
      const text = String(message.content);
      yielded.set(text, (yielded.get(text) ?? 0) + 1);
    }
  })();
  let sending = true;
  let sent = 0;
  const chatting = (async () => {
    while (sending) await chat.send(`message ${sent++}`);
  })();
  for (let i = 0; i < REOPENS; i++) {
    await inviter!.conversations.newConversation(receiver!.address, {
      conversationId: `bench/${i}`,
      metadata: {},
    });
  }
  sending = false;
  await chatting;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await (stream as unknown as { return(): Promise<unknown> }).return();
  await Promise.all([receiver!.close(), inviter!.close(), chatter!.close()]);
  await node.close();
  let missing = 0;
  for (let i = 0; i < sent; i++) if (!yielded.has(`message ${i}`)) missing++;
  const doubled = [...yielded.values()].filter((n) => n > 1).length;
  return { sent, missing, doubled };
}

const rows: string[] = [];
for (const grace of [1_000, 0]) {
  log(`grace ${grace} ms, ${REOPENS} reopens…`);
  const { sent, missing, doubled } = await run(grace);
  const share = ((100 * missing) / sent).toFixed(1);
  rows.push(
    `| ${grace ? 'ours, reopen rule on (1000 ms)' : 'ours, rule off (as the reference node)'} | ${REOPENS} | ${sent} | ${missing} (${share} %) | ${doubled} |`,
  );
}
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0]!.toFixed(2)}\n`);
console.log('| node | reopens | messages sent | never yielded | yielded twice |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(row);
process.exit(0);
