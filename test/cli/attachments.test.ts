// `xmtp-inbox client send --attach` and `messages --save-attachments` (issue #16) as real processes against a
// real node with its attachment store: a small file goes inline, a large one is uploaded, both come back
// byte for byte under their own names; --json carries the metadata, never the bytes or the key.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type XmtpNode } from '@/network/node';
import { safeFilename } from '@/cli/client/files';
import { jsonLines, runCli } from './run-cli';

const run = runCli;

let node: XmtpNode;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cli-attach-test-'));
  node = await startNode({ port: 0, dataDir: join(dir, 'node'), auth: true, rateLimit: false });
});
afterAll(async () => {
  await node?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function newKey(name: string) {
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

describe('client files', () => {
  it('sends a small file inline and a large one uploaded, and saves both back byte for byte', async () => {
    const [alice, bob] = await Promise.all([newKey('alice'), newKey('bob')]);
    expect((await run([...as(bob), 'whoami'])).code).toBe(0); // bob's contact is published
    const small = join(dir, 'notes.txt');
    const large = join(dir, 'photo.png');
    writeFileSync(small, 'hello file\n');
    writeFileSync(large, randomBytes(1_500_000));

    const inline = await run([
      ...as(alice),
      '--json',
      'send',
      bob.address,
      'here are the files',
      '--attach',
      small,
    ]);
    expect(inline.code, inline.stderr).toBe(0);
    const [inlineFile, text] = jsonLines(inline.stdout);
    expect(inlineFile).toMatchObject({
      contentType: 'xmtp.org/attachment:1.0',
      content: null,
      attachment: { filename: 'notes.txt', mimeType: 'text/plain', size: 11, remote: false },
    });
    expect(text).toMatchObject({ contentType: 'xmtp.org/text:1.0', content: 'here are the files' });

    const uploaded = await run([...as(alice), 'send', bob.address, '--attach', large]);
    expect(uploaded.code, uploaded.stderr).toBe(0);
    expect(uploaded.stdout).toMatch(/^sent [0-9a-f]{64} to 0x[0-9a-fA-F]{40} \(photo\.png, uploaded\)\n$/);

    const out = join(dir, 'received');
    const listed = await run([...as(bob), '--json', 'messages', alice.address, '--save-attachments', out]);
    expect(listed.code, listed.stderr).toBe(0);
    const files = jsonLines(listed.stdout).filter((m) => m.attachment);
    expect(files).toHaveLength(2);
    expect(files[1]).toMatchObject({
      contentType: 'xmtp.org/remoteStaticAttachment:1.0',
      attachment: {
        filename: 'photo.png',
        size: 1_500_000,
        remote: true,
        url: expect.stringContaining('/attachments/v1/'),
      },
    });
    expect(listed.stdout).not.toContain('secret');
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('hello file\n');
    expect(readFileSync(join(out, 'photo.png'))).toEqual(readFileSync(large));

    // Again into the same folder: nothing is overwritten; the copies get numbered names.
    const again = await run([...as(bob), 'messages', alice.address, '--save-attachments', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['notes (1).txt', 'notes.txt', 'photo (1).png', 'photo.png']);
    expect(again.stdout).toContain('[file photo.png →');
  });

  it('says what is wrong with a missing file before sending anything', async () => {
    const [alice, bob] = await Promise.all([newKey('carol'), newKey('dave')]);
    const missing = await run([...as(alice), 'send', bob.address, '--attach', join(dir, 'nope.bin')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('--attach: no such file');
    const neither = await run([...as(alice), 'send', bob.address]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('missing TEXT (or --attach FILE)');
  });

  it('never writes outside the folder, whatever name a peer gives a file', () => {
    expect(safeFilename('../../etc/passwd')).toBe('passwd');
    expect(safeFilename('..\\..\\boot.ini')).toBe('boot.ini');
    expect(safeFilename('.bashrc')).toBe('bashrc');
    expect(safeFilename('a\u0000b\nc.txt')).toBe('abc.txt');
    expect(safeFilename('..')).toBe('attachment');
    expect(safeFilename('')).toBe('attachment');
  });
});
