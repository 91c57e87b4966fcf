// `xmtp-inbox node` flag validation: a bad flag exits non-zero and names the flag.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseNodeArgs } from '@/cli/node';

const BIN = fileURLToPath(new URL('../../bin/xmtp-inbox.js', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'node', ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('xmtp-inbox node flags', () => {
  it('exits non-zero naming the bad flag', async () => {
    const results = await Promise.all([
      run(['--port', '70000']),
      run(['--rate-limit', 'fast']),
      run(['--store', 'mysql://x']),
      run(['--bogus']),
    ]);
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(results[0]!.stderr).toContain('--port');
    expect(results[1]!.stderr).toContain('--rate-limit');
    expect(results[2]!.stderr).toContain('--store');
    expect(results[3]!.stderr).toContain('--bogus');
  });

  it('prints help', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--data-dir');
  });

  it('parses every flag into node options', () => {
    expect(
      parseNodeArgs([
        '--host',
        '0.0.0.0',
        '--port',
        '0',
        '--data-dir',
        '/tmp/x',
        '--no-auth',
        '--rate-limit',
        '10:20,30:40',
        '--trust-proxy',
      ]),
    ).toEqual({
      host: '0.0.0.0',
      port: 0,
      dataDir: '/tmp/x',
      auth: false,
      trustProxy: true,
      rateLimit: { publish: { perMinute: 10, max: 20 }, default: { perMinute: 30, max: 40 } },
    });
    expect(parseNodeArgs(['--rate-limit', 'off'])).toMatchObject({ rateLimit: false, auth: true });
    expect(() => parseNodeArgs(['--data-dir', 'a', '--store', 'postgres://h/db'])).toThrow(
      /--data-dir and --store/,
    );
  });
});
