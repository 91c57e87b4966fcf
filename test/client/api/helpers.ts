// Shared by the API client tests: a real node on port 0 with a throwaway SQLite dir, envelopes with
// unique payloads, and a gate that holds a subscription's reconnect sleep so a test can publish
// "during the gap" deterministically.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startNode, type NodeOptions, type XmtpNode } from '@/network/node';
import { defaultSleep } from '@/client/api/backoff';
import type { Envelope } from '@/client/api/json';
import type { WebSocketConstructor } from '@/client/api/stream-connection';

export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

export interface TestNode {
  node: XmtpNode;
  dataDir: string;
  /** Stops the node if running and starts a new one on the same port and data dir. */
  restart(): Promise<XmtpNode>;
  stop(): Promise<void>;
}

const dirs: string[] = [];

export async function startTestNode(options: NodeOptions = {}): Promise<TestNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'xmtp-client-api-'));
  dirs.push(dataDir);
  const base: NodeOptions = { port: 0, dataDir, auth: false, rateLimit: false, ...options };
  let node = await startNode(base);
  let running = true;
  const t: TestNode = {
    dataDir,
    get node() {
      return node;
    },
    async restart() {
      if (running) await node.close();
      node = await startNode({ ...base, port: node.port });
      running = true;
      return node;
    },
    async stop() {
      if (!running) return;
      running = false;
      await node.close();
    },
  };
  return t;
}

export function removeTestDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

let counter = 0;

/** An envelope with a unique payload whose first bytes spell `label`, timestamped now (+ a counter). */
export function makeEnvelope(topic: string, label: string, timestampNs?: bigint): Envelope {
  counter++;
  return {
    contentTopic: topic,
    timestampNs: timestampNs ?? BigInt(Date.now()) * 1_000_000n + BigInt(counter),
    message: new TextEncoder().encode(`${label}|${counter}|${Math.random()}`),
  };
}

export function labelOf(envelope: Envelope): string {
  return new TextDecoder().decode(envelope.message).split('|')[0]!;
}

export function uniqueTopic(name: string): string {
  return `/xmtp/0/test-${name}-${Math.random().toString(36).slice(2)}/proto`;
}

/** Polls `condition` until it holds or `timeoutMs` passes. */
export async function waitFor(
  condition: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A sleep that waits for the gate to be open before sleeping; `close()` holds every later sleep. */
export class SleepGate {
  private opened = true;
  private waiters: (() => void)[] = [];
  /** How many sleeps are currently held at the gate. */
  held = 0;

  close(): void {
    this.opened = false;
  }

  open(): void {
    this.opened = true;
    for (const w of this.waiters.splice(0)) w();
  }

  readonly sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    if (!this.opened) {
      this.held++;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      this.held--;
    }
    await defaultSleep(ms, signal);
  };
}
