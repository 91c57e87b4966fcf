// Issue #21 item 5: what a stranger on the internet can make a node do, with its default limits.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_SOCKETS_PER_IP,
  MAX_TOPICS_PER_REQUEST,
} from '@/network/limits/sizes';
import { openStore } from '@/network/store/open';
import { MAX_QUERY_STATEMENTS, SqliteStore } from '@/network/store/sqlite';
import { post, startTestNode, T0, type TestNode } from './helpers';
import { envelope } from './store.suite';

const BIN = fileURLToPath(new URL('../../bin/xmtp-inbox.js', import.meta.url));
const MiB = 1024 * 1024;

/** Peak and current resident memory of a process, from /proc (bytes). */
function memoryOf(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { peak: kb('VmHWM'), now: kb('VmRSS') };
}

/**
 * POSTs `total` bytes in 64 KiB chunks, as a stranger could, chunked; or, `declared`, only the headers with a
 * Content-Length of `total` (the answer must come before any of the body is sent). The sender holds one 64 KiB
 * buffer; it stops writing once the answer is in (the node closes after a 413).
 */
function postBody(
  url: string,
  total: number,
  declared: boolean,
): Promise<{ status: number | 'closed'; body: string }> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const req = request(`${url}/message/v1/publish`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(declared ? { 'Content-Length': String(total) } : {}),
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error('no answer to the large body within 20 s'));
    }, 20_000);
    let sent = 0;
    let answered = false;
    const pump = () => {
      if (declared) return void req.flushHeaders();
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    // The node closes the connection after its 413; writes still in flight then fail (EPIPE, reset), sometimes
    // before the 413 itself is read: past the cap, that is the refusal too.
    req.on('error', (error) => {
      if (answered) return;
      clearTimeout(timer);
      if (!declared && sent > DEFAULT_MAX_BODY_BYTES) resolve({ status: 'closed', body: '' });
      else reject(error);
    });
    pump();
  });
}

describe('a node exposed to strangers (default limits)', { timeout: 60_000 }, () => {
  describe('as its own process', () => {
    let child: ChildProcess;
    let url: string;
    let dataDir: string;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'xmtp-strangers-'));
      child = spawn(process.execPath, [BIN, 'node', '--port', '0', '--data-dir', dataDir], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const found = /listening on (http:\/\/\S+)/.exec(out);
          if (found) resolve(found[1]!);
        });
        child.once('exit', (code) => reject(new Error(`node exited with ${code}: ${out}`)));
      });
    });

    afterAll(async () => {
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('refuses a 10 MiB body with 413 before reading it, without holding it in memory', async () => {
      // Warm up the paths the request takes, so the measure below is the body alone.
      expect(
        (await post({ url }, '/message/v1/query', { contentTopics: ['/xmtp/0/m-x/proto'] })).status,
      ).toBe(200);
      const before = memoryOf(child.pid!);
      const declared = await postBody(url, 10 * MiB, true);
      expect(declared.status).toBe(413);
      const chunked = await postBody(url, 10 * MiB, false);
      expect([413, 'closed']).toContain(chunked.status);
      if (chunked.status === 413)
        expect(JSON.parse(chunked.body)).toMatchObject({
          code: 8,
          message: expect.stringContaining('larger than max'),
        });
      const after = memoryOf(child.pid!);
      console.log(
        `node RSS peak ${(before.peak / MiB).toFixed(1)} → ${(after.peak / MiB).toFixed(1)} MiB across two 10 MiB bodies`,
      );
      expect(after.peak - before.peak).toBeLessThan(5 * MiB);
      // Still serving.
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    });
  });

  describe('in this process', () => {
    let node: TestNode;
    beforeAll(async () => {
      node = await startTestNode({ rateLimit: undefined });
    });
    afterAll(async () => {
      await node?.close();
    });

    it('answers 10,001 topics in one query, subscription or batch with a clear 400', async () => {
      const topics = Array.from({ length: MAX_TOPICS_PER_REQUEST + 1 }, (_, i) => `/xmtp/0/m-${i}/proto`);
      const query = await post(node, '/message/v1/query', { contentTopics: topics });
      expect(query.status).toBe(400);
      expect(query.json).toMatchObject({
        code: 3,
        message: `contentTopics: at most 10000 topics per request, got 10001`,
      });
      const batch = await post(node, '/message/v1/batch-query', { requests: [{ contentTopics: topics }] });
      expect(batch.status).toBe(400);
      expect(batch.json.message).toContain('at most 10000 topics');
      const subscribe = await post(node, '/message/v1/subscribe', { contentTopics: topics });
      expect(subscribe.status).toBe(400);
      expect(subscribe.json.message).toContain('at most 10000 topics');
      // 10,000 is still fine.
      expect((await post(node, '/message/v1/query', { contentTopics: topics.slice(1) })).status).toBe(200);
    });

    it('refuses the 65th WebSocket from one address with 429, and takes another once one closes', async () => {
      const wsUrl = node.url.replace('http', 'ws') + '/message/v1/ws';
      const open = (): Promise<WebSocket | { refused: number; body: string }> =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(wsUrl);
          ws.once('open', () => resolve(ws));
          ws.once('unexpected-response', (_req, res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ refused: res.statusCode ?? 0, body }));
          });
          ws.once('error', reject);
        });
      const sockets: WebSocket[] = [];
      try {
        for (let i = 0; i < DEFAULT_MAX_SOCKETS_PER_IP; i++) {
          const ws = await open();
          expect(ws).toBeInstanceOf(WebSocket);
          sockets.push(ws as WebSocket);
        }
        const refused = await open();
        expect(refused).toMatchObject({ refused: 429 });
        expect(JSON.parse((refused as { body: string }).body).message).toContain('too many WebSockets');
        const first = sockets.shift()!;
        await new Promise((r) => {
          first.once('close', r);
          first.close();
        });
        await expect
          .poll(async () => {
            const again = await open();
            if (again instanceof WebSocket) sockets.push(again);
            return again instanceof WebSocket;
          })
          .toBe(true);
      } finally {
        for (const ws of sockets) ws.terminate();
      }
    });

    it('charges body bytes to a rate-limit bucket before parsing', async () => {
      const tight = await startTestNode({
        rateLimit: {
          publish: { perMinute: 1000, max: 1000 },
          default: { perMinute: 1000, max: 1000 },
          bytes: { perMinute: 0, max: 100_000 },
        },
      });
      try {
        const big = JSON.stringify({ contentTopics: ['/xmtp/0/m-x/proto'], pad: 'x'.repeat(60_000) });
        expect((await post(tight, '/message/v1/query', big)).status).toBe(200);
        // The bucket has 40 KB left: the next 60 KB body is refused, even though it is not valid JSON.
        const refused = await post(tight, '/message/v1/query', '{' + 'x'.repeat(60_000));
        expect(refused.status).toBe(429);
        expect(refused.json.message).toContain('exceeds rate limit');
        expect(refused.headers.get('retry-after')).toBeTruthy();
        // Small requests still pass.
        expect(
          (await post(tight, '/message/v1/query', { contentTopics: ['/xmtp/0/m-x/proto'] })).status,
        ).toBe(200);
      } finally {
        await tight.close();
      }
    });
  });

  it('keeps a bounded number of prepared SQLite query shapes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xmtp-strangers-sqlite-'));
    const store = await openStore({ dataDir: dir });
    try {
      expect(store).toBeInstanceOf(SqliteStore);
      const topics = Array.from({ length: 600 }, (_, i) => `/xmtp/0/m-${i}/proto`);
      await store.insert(topics.map((topic) => envelope(topic, T0, 'x')));
      // Every topic count is a shape of its own: a stranger choosing 1…600 topics must not make 600 statements.
      for (let n = 1; n <= topics.length; n++) {
        const found = await store.query({
          contentTopics: topics.slice(0, n),
          limit: 100,
          direction: 'ascending',
        });
        expect(found).toHaveLength(Math.min(n, 100));
      }
      expect((store as SqliteStore).preparedQueryCount).toBe(MAX_QUERY_STATEMENTS);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
