import 'fake-indexeddb/auto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient } from '@/cli/client';
import { createInboxCache } from '@/extension/cache/cache';
import { vaultCacheKeys } from '@/extension/cache/sealing';
import { createIdbPersistence, vaultPersistenceKey } from '@/extension/client/idb-persistence';
import { createXmtpClientAdapter } from '@/extension/client/xmtp-adapter';
import { createInboxService } from '@/extension/inbox/service';
import { createMemoryArea } from '../helpers/memory-area';
import { createVault } from '@/extension/vault/vault';
import { createTabWallet } from '@/extension/wallet/tab-wallet';
import { startNode, type XmtpNode } from '@/network/node';

// Issue #18 item 1: one encrypted backup file moves an identity and its inbox state between the extension (its
// real inbox service, vault, sealed cache and client adapter) and the CLI (runClient, as bin/xmtp-inbox.js runs
// it), both ways, on a real node with auth on; bad files and wrong passwords change nothing.
const PASSWORD = 'correct horse battery';
let node: XmtpNode;
let dir: string;
let passwordFile: string;

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t) };
  const code = await runClient(args, io, new AbortController().signal);
  return { code, stdout, stderr };
}
const lines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** The background's inbox service on fresh browser storage (a new browser profile). */
function extension() {
  const indexedDB = new IDBFactory();
  const vault = createVault({ indexedDB, session: createMemoryArea() });
  return createInboxService({
    vault,
    cache: createInboxCache({ indexedDB, keys: vaultCacheKeys(vault) }),
    local: createMemoryArea(),
    adapter: createXmtpClientAdapter({
      persistence: createIdbPersistence(indexedDB, { key: vaultPersistenceKey(vault) }),
      WebSocket,
    }),
    wallet: createTabWallet({ queryTabs: async () => [], sendToTab: async () => undefined }),
    fetch,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'xmtp-backup-'));
  node = await startNode({ port: 0, dataDir: join(dir, 'node'), rateLimit: false });
  passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${PASSWORD}\n`);
});

afterAll(async () => {
  await node?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the encrypted backup file', { timeout: 120_000 }, () => {
  let address: string;
  let friend: string;
  let topic: string;
  let fromExtension: string;
  const restoredDir = () => join(dir, 'restored');

  it('moves an identity from the extension to the CLI, which then reads and sends as the same address', async () => {
    const ext = extension();
    const state = await ext.createLocalKey({ password: PASSWORD, nodes: [node.url] });
    address = state.address!;
    const made = await cli([
      '--create-key',
      join(dir, 'friend.key'),
      '--node',
      node.url,
      '--data-dir',
      join(dir, 'friend'),
      'send',
      address,
      'gm from a friend',
    ]);
    expect(made.code, made.stderr).toBe(0);
    friend = (
      await cli([
        'whoami',
        '--key-file',
        join(dir, 'friend.key'),
        '--node',
        node.url,
        '--data-dir',
        join(dir, 'friend'),
        '--json',
      ])
    ).stdout.match(/0x[0-9a-fA-F]{40}/)![0];
    await ext.refresh();
    const [conversation] = await ext.listConversations();
    topic = conversation!.topic;
    await ext.pin(topic, true);
    await ext.setDraft(topic, 'a reply I have not sent');
    await ext.setConsent(topic, 'allowed');

    const { fileName, text } = await ext.exportBackup(PASSWORD, { includeMessages: true });
    expect(fileName).toMatch(new RegExp(`^xmtp-inbox-${address}-\\d{4}-\\d{2}-\\d{2}\\.xmtpbackup$`));
    expect(text).not.toContain('gm from a friend');
    expect(text).not.toContain(friend.slice(2).toLowerCase());
    fromExtension = join(dir, fileName);
    writeFileSync(fromExtension, text);

    const restored = await cli([
      'backup',
      'import',
      fromExtension,
      '--password-file',
      passwordFile,
      '--data-dir',
      restoredDir(),
      '--json',
    ]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(lines(restored.stdout)[0]).toMatchObject({ type: 'restored', address, conversations: 1 });
    // No key flag from here on: the data dir holds the identity.
    const base = ['--data-dir', restoredDir(), '--node', node.url, '--json'];
    expect(lines((await cli(['whoami', ...base])).stdout)[0]).toMatchObject({ address });
    const listed = lines((await cli(['list', ...base])).stdout);
    expect(listed.map((c) => c.peerAddress)).toEqual([friend]);
    const sent = await cli(['send', friend, 'sent by the restored CLI', ...base]);
    expect(sent.code, sent.stderr).toBe(0);
    const seen = lines(
      (
        await cli([
          'messages',
          address,
          '--key-file',
          join(dir, 'friend.key'),
          '--node',
          node.url,
          '--data-dir',
          join(dir, 'friend'),
          '--json',
        ])
      ).stdout,
    );
    expect(seen.map((m) => [m.senderAddress, m.content])).toContainEqual([
      address,
      'sent by the restored CLI',
    ]);
  });

  it('moves it back from the CLI to a fresh extension, pins and draft kept, usable offline at once', async () => {
    const out = join(dir, 'from-cli.xmtpbackup');
    const exported = await cli([
      'backup',
      'export',
      '--out',
      out,
      '--password-file',
      passwordFile,
      '--data-dir',
      restoredDir(),
      '--node',
      node.url,
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    const ext = extension();
    const state = await ext.restoreBackup({ text: readFileSync(out, 'utf8'), password: PASSWORD });
    expect(state).toMatchObject({ vault: 'unlocked', address, identity: 'imported' });
    const [conversation] = await ext.listConversations();
    expect(conversation).toMatchObject({
      topic,
      peerAddress: friend,
      consent: 'allowed',
      pinnedAt: expect.any(Number),
      draft: { text: 'a reply I have not sent' },
    });
    // And from the extension's own file, with its messages, the thread is there before any network use.
    const again = extension();
    await again.restoreBackup({ text: readFileSync(fromExtension, 'utf8'), password: PASSWORD });
    expect((await again.listMessages(topic)).map((m) => m.content)).toContain('gm from a friend');
  });

  it('refuses a wrong password, a truncated file, a flipped byte and a newer format, changing nothing', async () => {
    const text = readFileSync(fromExtension, 'utf8');
    const file = JSON.parse(text) as { ciphertext: string; version: number };
    const flipped = {
      ...file,
      ciphertext: (file.ciphertext[0] === 'A' ? 'B' : 'A') + file.ciphertext.slice(1),
    };
    const cases: [string, string, string, RegExp][] = [
      ['wrong password', text, 'not the password', /password does not open this backup/],
      ['truncated', text.slice(0, Math.floor(text.length / 2)), PASSWORD, /cut short or damaged/],
      [
        'flipped byte',
        JSON.stringify(flipped),
        PASSWORD,
        /password does not open this backup \(or the file was changed\)/,
      ],
      ['newer format', JSON.stringify({ ...file, version: 2 }), PASSWORD, /newer version of XMTP Inbox/],
      ['not a backup', 'hello', PASSWORD, /not an XMTP Inbox backup file/],
    ];
    for (const [what, content, password, message] of cases) {
      const ext = extension();
      await expect(ext.restoreBackup({ text: content, password }), what).rejects.toThrow(message);
      expect((await ext.state()).vault, what).toBe('empty');

      const path = join(dir, `bad-${what.replace(/ /g, '-')}`);
      writeFileSync(path, content);
      writeFileSync(join(dir, 'pw-case'), `${password}\n`);
      const target = join(dir, `target-${what.replace(/ /g, '-')}`);
      const run = await cli([
        'backup',
        'import',
        path,
        '--password-file',
        join(dir, 'pw-case'),
        '--data-dir',
        target,
      ]);
      expect(run.code, what).toBe(1);
      expect(run.stderr, what).toMatch(message);
      // Nothing was written: the directory holds no identity to use.
      const after = await cli(['whoami', '--data-dir', target, '--node', node.url]);
      expect(after.stderr, what).toContain('holds no identity');
    }
  });

  it('refuses to restore over an account that is already there, and leaves it as it was', async () => {
    const ext = extension();
    const mine = await ext.createLocalKey({ password: PASSWORD, nodes: [node.url] });
    await expect(
      ext.restoreBackup({ text: readFileSync(fromExtension, 'utf8'), password: PASSWORD }),
    ).rejects.toMatchObject({ code: 'vault_exists' });
    expect((await ext.state()).address).toBe(mine.address);

    const run = await cli([
      'backup',
      'import',
      fromExtension,
      '--password-file',
      passwordFile,
      '--data-dir',
      restoredDir(),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`already holds the identity of ${address}`);
    expect(
      lines((await cli(['whoami', '--data-dir', restoredDir(), '--node', node.url, '--json'])).stdout)[0],
    ).toMatchObject({ address });
  });
});
