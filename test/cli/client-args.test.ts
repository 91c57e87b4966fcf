// `xmtp-inbox client` argument handling, key files, identity cache and consent, run in-process through
// runClient (the same code bin/xmtp-inbox.js runs) against a real node with auth on. Separate processes
// are in client.test.ts.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient } from '@/cli/client';
import { startNode, type XmtpNode } from '@/network/node';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t) };
  const code = await runClient(args, io, new AbortController().signal);
  return { code, stdout, stderr };
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

let node: XmtpNode;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-client-args-'));
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

describe('xmtp-inbox client: arguments', () => {
  it('rejects an unknown option and names it, exiting 2', async () => {
    const r = await run(['list', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option --bogus');
    expect(r.stdout).toBe('');
  });

  it('names the flag with a bad value: --node, --limit, --key', async () => {
    const address = '0x' + '11'.repeat(20);
    const [nodeUrl, limit, key] = await Promise.all([
      run(['whoami', '--node', 'ftp://example.org', '--key', '0x' + '22'.repeat(32)]),
      run(['messages', address, '--limit', 'ten', '--key', '0x' + '22'.repeat(32)]),
      run(['whoami', '--key', '0x1234']),
    ]);
    expect([nodeUrl.code, limit.code, key.code]).toEqual([2, 2, 2]);
    expect(nodeUrl.stderr).toContain('invalid --node "ftp://example.org"');
    expect(limit.stderr).toContain('invalid --limit "ten"');
    expect(key.stderr).toContain('invalid --key');
    expect(key.stderr).not.toContain('0x1234');
  });

  it('rejects an invalid address and a flag of another subcommand', async () => {
    const [address, foreign] = await Promise.all([
      run(['send', '0x1234', 'hi', '--key', '0x' + '22'.repeat(32)]),
      run(['send', '0x' + '11'.repeat(20), 'hi', '--limit', '3']),
    ]);
    expect(address.code).toBe(2);
    expect(address.stderr).toContain('invalid address "0x1234"');
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain('send: unknown option --limit');
  });

  it('prints usage errors as JSON on stderr with --json', async () => {
    const r = await run(['list', '--json', '--limit', '3']);
    expect(r.code).toBe(2);
    expect(jsonLines(r.stderr)).toEqual([
      { error: { code: 'usage', message: 'list: unknown option --limit' } },
    ]);
  });

  it('shows help for a subcommand with its own options', async () => {
    const r = await run(['messages', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: xmtp-inbox client messages ADDRESS');
    expect(r.stdout).toContain('--limit N');
  });

  it('creates a key file with mode 0600 and never overwrites one', async () => {
    const { keyFile, address } = await newKey('fresh');
    expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const before = readFileSync(keyFile, 'utf8');
    const again = await run(['--create-key', keyFile]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('file exists');
    expect(readFileSync(keyFile, 'utf8')).toBe(before);
  });
});

describe('xmtp-inbox client: against a node', () => {
  it('creates an identity once, caches it, and reports it with whoami', async () => {
    const alice = await newKey('alice-whoami');
    const first = await run(['whoami', '--json', ...as(alice)]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(jsonLines(first.stdout)).toEqual([
      {
        type: 'identity',
        address: alice.address,
        nodes: [node.url],
        dataDir: alice.dataDir,
        identity: 'created',
        secp256k1: { backend: 'libsecp256k1-wasm' },
      },
    ]);
    const second = await run(['whoami', ...as(alice)]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`^address +${alice.address}$`, 'm'));
    expect(second.stdout).toMatch(/^identity +cache$/m);
  });

  it('tells which addresses can be messaged, without a key', async () => {
    const bob = await newKey('bob-can');
    expect((await run(['whoami', ...as(bob)])).code).toBe(0);
    const stranger = '0x' + '33'.repeat(20);
    const r = await run(['can-message', '--json', '--node', node.url, bob.address, stranger]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout)).toEqual([
      { type: 'can-message', address: bob.address, canMessage: true },
      { type: 'can-message', address: stranger, canMessage: false },
    ]);
  });

  it('allows and denies addresses and reads the consent back in a new process', async () => {
    const carol = await newKey('carol-consent');
    const [x, y, z] = ['0x' + '44'.repeat(20), '0x' + '55'.repeat(20), '0x' + '66'.repeat(20)];
    expect((await run(['allow', x, y, ...as(carol)])).code).toBe(0);
    expect((await run(['deny', y, ...as(carol)])).code).toBe(0);
    // A fresh data dir: the state comes from the network, not from the cache.
    const r = await run(['consent', x, y, z, '--json', ...as({ ...carol, dataDir: carol.dataDir + '-2' })]);
    expect(r.code).toBe(0);
    expect(jsonLines(r.stdout).map((l) => l.state)).toEqual(['allowed', 'denied', 'unknown']);
  });

  it('fails with exit 1 and the reason when the node is unreachable', async () => {
    const dave = await newKey('dave-offline');
    const r = await run([
      'whoami',
      '--node',
      'http://127.0.0.1:9',
      '--key-file',
      dave.keyFile,
      '--data-dir',
      dave.dataDir,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('127.0.0.1:9');
  });

  it('fails with exit 1 and the JSON error code when the recipient is not on the network', async () => {
    const erin = await newKey('erin-nobody');
    const nobody = '0x' + '77'.repeat(20);
    const r = await run(['send', nobody, 'hello?', '--json', ...as(erin)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const [line] = jsonLines(r.stderr);
    expect(line).toMatchObject({ error: { code: 'recipient_not_on_network' } });
    expect((line!.error as { message: string }).message).toContain('is not on the XMTP network');
  });
});
