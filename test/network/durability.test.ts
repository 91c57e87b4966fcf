// A node process is SIGKILLed in the middle of a publish load and restarted on the same data
// dir: every envelope whose publish was answered 200 is still there.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { envelopeJson, post, T0 } from './helpers';

const BIN = fileURLToPath(new URL('../../bin/xmtp-inbox.js', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'xmtp-durability-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `xmtp-inbox node` and resolves with its URL once it listens. */
function startProcess(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [BIN, 'node', '--port', '0', '--data-dir', dataDir, '--no-auth', '--rate-limit', 'off'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`node exited with ${code} before listening: ${out}`)));
  });
}

const TOPICS = ['a', 'b', 'c', 'd'].map((t) => `/xmtp/0/m-durability-${t}/proto`);

it('keeps every acknowledged envelope across a SIGKILL', async () => {
  const first = await startProcess();
  const acked: { contentTopic: string; timestampNs: string; message: string }[] = [];
  let seq = 0;
  let killed = false;
  const worker = async () => {
    while (!killed) {
      const envelopes = Array.from({ length: 1 + (seq % 3) }, () => {
        const n = ++seq;
        return envelopeJson(TOPICS[n % TOPICS.length]!, T0 + BigInt(n), `envelope ${n}`);
      });
      try {
        const res = await post(first, '/message/v1/publish', { envelopes });
        if (res.status === 200) acked.push(...envelopes);
      } catch {
        // The connection died with the process: not acknowledged.
      }
    }
  };
  const load = Promise.all(Array.from({ length: 8 }, worker));
  while (acked.length < 600) await new Promise((r) => setTimeout(r, 10));
  // Listen for the exit before the kill: by the time the load has drained, the process may be gone already.
  const exited = new Promise((r) => first.child.once('exit', r));
  first.child.kill('SIGKILL');
  killed = true;
  await load;
  await exited;

  const second = await startProcess();
  try {
    const stored = new Set<string>();
    for (const topic of TOPICS) {
      let cursor: unknown;
      for (;;) {
        const q = await post(second, '/message/v1/query', {
          contentTopics: [topic],
          pagingInfo: { limit: 100, direction: 'SORT_DIRECTION_ASCENDING', ...(cursor ? { cursor } : {}) },
        });
        expect(q.status).toBe(200);
        for (const e of q.json.envelopes) stored.add(`${e.contentTopic} ${e.timestampNs} ${e.message}`);
        cursor = q.json.pagingInfo.cursor;
        if (!cursor) break;
      }
    }
    const missing = acked.filter((e) => !stored.has(`${e.contentTopic} ${e.timestampNs} ${e.message}`));
    expect(acked.length).toBeGreaterThanOrEqual(600);
    expect(missing).toEqual([]);
  } finally {
    // SIGTERM is a graceful stop: streams closed, store flushed, exit code 0.
    const exited = new Promise<number | null>((r) => second.child.once('exit', (code) => r(code)));
    second.child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }
});
