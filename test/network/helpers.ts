// Shared by the node tests: a real node on port 0 in a temp dir, and small HTTP helpers.
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNode } from '@/network/node';
import type { NodeOptions, XmtpNode } from '@/network/node';

export interface TestNode extends XmtpNode {
  dataDir: string;
}

/** A node on a free port with its own data dir; close() also removes the dir. */
export async function startTestNode(options: NodeOptions = {}): Promise<TestNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'xmtp-node-test-'));
  const node = await startNode({ port: 0, dataDir, auth: false, rateLimit: false, ...options });
  return {
    ...node,
    url: node.url,
    port: node.port,
    dataDir,
    close: async () => {
      await node.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function post(
  node: { url: string },
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await fetch(node.url + path, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const SECOND = 1_000_000_000n;
export const T0 = 1_718_000_000n * SECOND;

export function b64(text: string | Uint8Array): string {
  return Buffer.from(typeof text === 'string' ? Buffer.from(text) : text).toString('base64');
}

export function envelopeJson(contentTopic: string, timestampNs: bigint, message: string) {
  return { contentTopic, timestampNs: timestampNs.toString(), message: b64(message) };
}

/** An NDJSON subscription read line by line over a raw http request. */
export interface Stream {
  status: Promise<number>;
  headers: Promise<Record<string, string | string[] | undefined>>;
  /** Next parsed line (waits up to `ms`). */
  next(ms?: number): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export function subscribe(node: { url: string }, path: string, body: unknown): Stream {
  const lines: unknown[] = [];
  const waiters: ((v: unknown) => void)[] = [];
  let buffer = '';
  let resolveStatus!: (n: number) => void;
  let resolveHeaders!: (h: Record<string, string | string[] | undefined>) => void;
  let resolveEnded!: () => void;
  const status = new Promise<number>((r) => (resolveStatus = r));
  const headers = new Promise<Record<string, string | string[] | undefined>>((r) => (resolveHeaders = r));
  const ended = new Promise<void>((r) => (resolveEnded = r));
  const url = new URL(node.url + path);
  const req = request(
    { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false },
    (res) => {
      resolveStatus(res.statusCode ?? 0);
      resolveHeaders(res.headers);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let i;
        while ((i = buffer.indexOf('\n')) >= 0) {
          const line = JSON.parse(buffer.slice(0, i));
          buffer = buffer.slice(i + 1);
          const w = waiters.shift();
          if (w) w(line);
          else lines.push(line);
        }
      });
      res.on('end', () => resolveEnded());
      res.on('close', () => resolveEnded());
    },
  );
  req.on('error', () => resolveEnded());
  req.end(JSON.stringify(body));
  return {
    status,
    headers,
    ended,
    next(ms = 2000) {
      if (lines.length > 0) return Promise.resolve(lines.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const idx = waiters.indexOf(done);
          if (idx >= 0) waiters.splice(idx, 1);
          reject(new Error(`no line within ${ms} ms`));
        }, ms);
        const done = (v: unknown) => {
          clearTimeout(timer);
          resolve(v);
        };
        waiters.push(done);
      });
    },
    close() {
      req.destroy();
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
