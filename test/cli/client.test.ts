// `xmtp-inbox client` as people and scripts use it: real processes of bin/xmtp-inbox.js against a real
// node (auth on) started in this test process. Argument details run in-process in client-args.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli, startCli } from './run-cli';
import { startNode, type XmtpNode } from '@/network/node';
import { Client } from '@/client';
import { randomXmtpJsWallet } from '../helpers/xmtp-js-wallet';

const run = runCli;
const start = startCli;

let node: XmtpNode;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-client-test-'));
  node = await startNode({ port: 0, dataDir: join(dir, 'node'), auth: true, rateLimit: false });
});

afterAll(async () => {
  await node?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A new wallet key file made by the CLI itself; returns its path and address. */
async function newKey(name: string): Promise<{ keyFile: string; address: string; dataDir: string }> {
  const keyFile = join(dir, `${name}.key`);
  const created = await run(['--create-key', keyFile]);
  expect(created.code).toBe(0);
  return { keyFile, address: created.stdout.trim(), dataDir: join(dir, name) };
}

const as = (who: { keyFile: string; dataDir: string }) => [
  '--node',
  node.url,
  '--key-file',
  who.keyFile,
  '--data-dir',
  who.dataDir,
];

/** Resolves when `child`'s `stream` output contains `pattern`, or undefined after `ms`. */
function waitFor(stream: NodeJS.ReadableStream, pattern: RegExp | string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (typeof pattern === 'string' ? seen.includes(pattern) : pattern.test(seen)) done(true);
    };
    const timer = setTimeout(() => done(false), ms);
    function done(found: boolean) {
      clearTimeout(timer);
      stream.off('data', onData);
      resolve(found);
    }
    stream.on('data', onData);
  });
}

describe('xmtp-inbox client processes', () => {
  it('exits 2 and names the flag on a bad option', async () => {
    const r = await run([
      'messages',
      '0x' + '11'.repeat(20),
      '--limit',
      '-3',
      '--key',
      '0x' + '22'.repeat(32),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--limit');
    expect(r.stdout).toBe('');
  });

  it('lets two wallets message each other with send, messages and stream', async () => {
    const [alice, bob] = await Promise.all([newKey('alice'), newKey('bob')]);
    const made = await Promise.all([run(['whoami', ...as(alice)]), run(['whoami', ...as(bob)])]);
    expect(made.map((r) => r.code)).toEqual([0, 0]);

    // Bob streams; Alice sends after the stream has started. The subscription connects a moment after
    // the start-up line, so Alice sends again (up to 3 times) until Bob's stream prints one.
    const stream = start(['stream', '--json', ...as(bob)]);
    let streamed = '';
    stream.stdout!.on('data', (d) => (streamed += d));
    const streamExit = new Promise<number | null>((resolve) => stream.on('close', resolve));
    expect(await waitFor(stream.stderr!, 'streaming messages', 30_000)).toBe(true);
    let sentId: string | undefined;
    for (let attempt = 0; attempt < 3 && sentId === undefined; attempt++) {
      const sent = await run(['send', bob.address, `hello bob ${attempt}`, '--json', ...as(alice)]);
      expect(sent.code).toBe(0);
      const [message] = jsonLines(sent.stdout);
      expect(message).toMatchObject({
        type: 'message',
        senderAddress: alice.address,
        content: `hello bob ${attempt}`,
      });
      if (
        streamed.includes(message!.id as string) ||
        (await waitFor(stream.stdout!, message!.id as string, 5_000))
      ) {
        sentId = message!.id as string;
      }
    }
    expect(sentId).toBeDefined();
    const seen = jsonLines(streamed).find((m) => m.id === sentId);
    expect(seen).toMatchObject({ type: 'message', senderAddress: alice.address, peerAddress: alice.address });
    stream.kill('SIGINT');
    expect(await streamExit).toBe(0);

    const reply = await run(['send', alice.address, 'hi alice', ...as(bob)]);
    expect(reply.code).toBe(0);
    expect(reply.stdout).toMatch(new RegExp(`^sent [0-9a-f]{64} to ${alice.address}\n$`));

    const [json, human] = await Promise.all([
      run(['messages', bob.address, '--json', ...as(alice)]),
      run(['messages', bob.address, '--limit', '1', ...as(alice)]),
    ]);
    expect(json.code).toBe(0);
    const history = jsonLines(json.stdout);
    expect(history.at(-1)).toMatchObject({ senderAddress: bob.address, content: 'hi alice' });
    expect(history.some((m) => m.id === sentId)).toBe(true);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  ${bob.address}  hi alice\n$`),
    );
  });

  it('keeps conversations with an id apart and lists them as JSON', async () => {
    const [erin, frank] = await Promise.all([newKey('erin'), newKey('frank')]);
    expect((await run(['whoami', ...as(frank)])).code).toBe(0);
    const sent = await run([
      'send',
      frank.address,
      'about the order',
      '--conversation-id',
      'shop/1',
      ...as(erin),
    ]);
    expect(sent.code).toBe(0);
    const [list, scoped, unscoped] = await Promise.all([
      run(['list', '--json', ...as(frank)]),
      run(['messages', erin.address, '--conversation-id', 'shop/1', '--json', ...as(frank)]),
      run(['messages', erin.address, ...as(frank)]),
    ]);
    expect(jsonLines(list.stdout)).toEqual([
      expect.objectContaining({
        type: 'conversation',
        peerAddress: erin.address,
        version: 'v2',
        conversationId: 'shop/1',
      }),
    ]);
    expect(jsonLines(scoped.stdout).map((m) => m.content)).toEqual(['about the order']);
    expect(unscoped.code).toBe(1);
    expect(unscoped.stderr).toContain(`no conversation with ${erin.address}`);
  });

  it('lists an inbox of 60 senders newest first (a batch large enough for the invitation workers)', async () => {
    const grace = await newKey('grace');
    expect((await run(['whoami', ...as(grace)])).code).toBe(0);
    const SENDERS = 60; // more than the batch that starts the invitation workers (50)
    // Ten at a time: each is a new identity (keys, contact bundle) and an invitation on the node.
    const senders: string[] = [];
    for (let start = 0; start < SENDERS; start += 10) {
      const made = await Promise.all(
        Array.from({ length: 10 }, async (_, k) => {
          const sender = await Client.create(randomXmtpJsWallet(), { nodes: [node.url] });
          const conversation = await sender.conversations.newConversation(grace.address, {
            conversationId: `many/${start + k}`,
            metadata: {},
          });
          await sender.close();
          return `${conversation.context?.conversationId} ${sender.address}`;
        }),
      );
      senders.push(...made);
    }
    const list = await run(['list', '--json', ...as(grace)]);
    expect(list.code).toBe(0);
    const listed = jsonLines(list.stdout);
    expect(listed.map((c) => `${c.conversationId} ${c.peerAddress}`).sort()).toEqual(senders.sort());
    // Newest first.
    const times = listed.map((c) => Date.parse(c.createdAt as string));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  }, 240_000);
});
