// Shared setup for client tests: a real node (port 0, auth on, temp data dir), wallets backed by real
// secp256k1 keys (viem), and our client wired to the node with ws's WebSocket.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import WebSocket from 'ws';
import { startNode, type XmtpNode } from '@/network/node';
import { Client, MemoryPersistence, type ClientOptions, type Stream } from '@/client';
import type { Signer } from '@/protocol/identity';

export interface TestWallet extends Signer {
  address: string;
  privateKey: `0x${string}`;
  /** Every text this wallet signed, in order. */
  signed: string[];
}

export function newWallet(): TestWallet {
  const privateKey = generatePrivateKey();
  const account = privateKeyToAccount(privateKey);
  const signed: string[] = [];
  return {
    address: account.address,
    privateKey,
    signed,
    getAddress: async () => account.address,
    signMessage: async (text: string) => {
      signed.push(text);
      return account.signMessage({ message: text });
    },
  };
}

export interface TestNode {
  node: XmtpNode;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestNode(options: { dataDir?: string; port?: number } = {}): Promise<TestNode> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'xmtp-client-test-')));
  const node = await startNode({
    port: options.port ?? 0,
    dataDir,
    auth: true,
    rateLimit: false,
    logger: quiet,
  });
  return {
    node,
    url: node.url,
    dataDir,
    close: async () => {
      await node.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

export function clientOptions(url: string, extra: Partial<ClientOptions> = {}): ClientOptions {
  return { nodes: [url], WebSocket, ...extra };
}

export function createClient(wallet: Signer | null, url: string, extra: Partial<ClientOptions> = {}) {
  return Client.create(wallet, clientOptions(url, extra));
}

/**
 * The identity of `keyBundle` on a fresh client with nothing cached (a new device, or a cold start), on the
 * calling thread unless `extra` gives an inviteOpener.
 */
export function coldClient(keyBundle: Uint8Array, url: string, extra: Partial<ClientOptions> = {}) {
  return createClient(null, url, {
    keyBundle,
    persistence: new MemoryPersistence(),
    skipContactPublishing: true,
    ...extra,
  });
}

/** xmtp-js's wallet shape over the same key. */
export function xmtpJsWallet(wallet: TestWallet) {
  const account = privateKeyToAccount(wallet.privateKey);
  return {
    getAddress: async () => account.address,
    signMessage: (m: string | Uint8Array) =>
      account.signMessage({ message: typeof m === 'string' ? m : { raw: m } }),
  };
}

/** Polls `check` until it returns a value that is not undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Writes envelopes straight into the node's SQLite store, as a node without auth (or a malicious one)
 * would serve them: how forged input reaches a client despite the node's publish rules.
 */
export async function injectEnvelopes(
  dataDir: string,
  envelopes: { contentTopic: string; timestampNs: bigint; message: Uint8Array }[],
): Promise<void> {
  const { openStore } = await import('@/network/store/open');
  const { createHash } = await import('node:crypto');
  const store = await openStore({ dataDir });
  try {
    await store.insert(
      envelopes.map((e) => ({
        ...e,
        digest: new Uint8Array(createHash('sha256').update(e.contentTopic).update(e.message).digest()),
      })),
    );
  } finally {
    await store.close();
  }
}

/** Collects values of a stream in the background. */
export function collect<T>(stream: Stream<T>): T[] {
  const out: T[] = [];
  void (async () => {
    for await (const v of stream) out.push(v);
  })();
  return out;
}

/** Polls `check` every 50 ms until it holds (or fails after `timeoutMs`). */
export async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
