// `npm run bench -- sync [--runs=40]`
// Inbox sync latency (issue #18 item 2): the time from a pin (or unpin) in one install of an identity to the
// other install's cache holding it and telling its popup, over a real node on loopback; the background's real
// inbox service on both sides (fake-indexeddb in Node). No other XMTP app syncs inbox state, so the reference
// is the floor any sync over XMTP has: xmtp-js 13 delivering one message from send() to the peer's
// streamAllMessages, on the same node in the same run. Prints a markdown table.
import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client as XmtpJsClient } from '@xmtp/xmtp-js';
import { createLocalWallet } from '@/extension/client/local-wallet';
import { startNode } from '@/network/node';
import { encodePrivateKeyBundle } from '@/protocol/bundles';
import { toBase64 } from '@/protocol/bytes';
import { createPrivateKeyBundle } from '@/protocol/identity';
import { realInboxService } from '../test/helpers/real-inbox';
import { until } from '../test/helpers/until';
import { viemWallet } from '../test/helpers/wallet';
import { flag } from './_args';

const RUNS = Number(flag('runs') ?? 40);
const PASSWORD = 'correct horse battery';
const log = (line: string) => console.error(`[bench sync] ${line}`);
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!;

const dataDir = mkdtempSync(join(tmpdir(), 'bench-sync-'));
const node = await startNode({ port: 0, dataDir, rateLimit: false });

async function ours(): Promise<number[]> {
  const wallet = createLocalWallet();
  const keyBundle = toBase64(encodePrivateKeyBundle(await createPrivateKeyBundle(wallet)));
  const friend = await XmtpJsClient.create(viemWallet(), { env: 'local', apiUrl: node.url });
  const [a, b] = [realInboxService(), realInboxService()];
  for (const install of [a, b]) await install.importKey({ keyBundle, password: PASSWORD, nodes: [node.url] });
  const conversation = await friend.conversations.newConversation(wallet.address);
  await conversation.send('hello');
  const topic = conversation.topic;
  for (const install of [a, b])
    await until(async () => (await install.listConversations()).length === 1, 'the conversation');
  await new Promise((resolve) => setTimeout(resolve, 500)); // both syncs started

  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const pinned = run % 2 === 0;
    let arrived: (() => void) | undefined;
    const seen = new Promise<void>((resolve) => (arrived = resolve));
    const stop = b.subscribe((update) => {
      if (update.kind !== 'conversations') return;
      void b.getConversation(topic).then((c) => {
        if (c && (c.pinnedAt !== undefined) === pinned) arrived?.();
      });
    });
    const started = performance.now();
    await a.pin(topic, pinned);
    await seen;
    times.push(performance.now() - started);
    stop();
  }
  await Promise.all([a.lock(), b.lock(), friend.close()]);
  return times;
}

async function reference(): Promise<number[]> {
  const [sender, receiver] = await Promise.all(
    [0, 1].map(() => XmtpJsClient.create(viemWallet(), { env: 'local', apiUrl: node.url })),
  );
  const conversation = await sender!.conversations.newConversation(receiver!.address);
  const stream = await receiver!.conversations.streamAllMessages();
  const incoming = stream[Symbol.asyncIterator]();
  await conversation.send('warm-up');
  await incoming.next();
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    await conversation.send(`message ${run}`);
    await incoming.next();
    times.push(performance.now() - started);
  }
  await stream.return?.(undefined);
  await Promise.all([sender!.close(), receiver!.close()]);
  return times;
}

log(`${RUNS} changes each way…`);
const ourTimes = await ours();
log('xmtp-js reference…');
const referenceTimes = await reference();
await node.close();
rmSync(dataDir, { recursive: true, force: true });

const row = (what: string, times: number[]) =>
  `| ${what} | ${percentile(times, 50).toFixed(0)} ms | ${percentile(times, 95).toFixed(0)} ms | ${times.length} |`;
console.log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0]!.toFixed(2)}\n`);
console.log('| what | p50 | p95 | runs |');
console.log('|---|---|---|---|');
console.log(row('ours: a pin in one install → in the other install’s cache', ourTimes));
console.log(
  row('xmtp-js 13: one message from send() to the peer’s streamAllMessages (the floor)', referenceTimes),
);
process.exit(0);
