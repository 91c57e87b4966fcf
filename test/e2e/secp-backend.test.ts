// The built extension's secp256k1 engine in Chromium: its worker compiles the packaged libsecp256k1 binary
// (allowed by exactly 'wasm-unsafe-eval' in the manifest's CSP), reports it in its state, signs with it when
// an identity is created, and loads it again after Chrome stops the worker. The same build with that CSP
// entry removed falls back to noble, says why, and still creates an identity.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboxState } from '@/extension/inbox/contract';
import { startNode, type XmtpNode } from '@/network/node';
import {
  buildExtension,
  EXTENSION_DIR,
  launchExtension,
  popupRequest,
  type ExtensionSession,
} from './harness';

const PASSWORD = 'correct horse battery';
const CSP = "script-src 'self' 'wasm-unsafe-eval'; object-src 'self';";

async function state(page: Page): Promise<InboxState> {
  const reply = (await popupRequest(page, 'state.get', {})) as { result: InboxState };
  return reply.result;
}

/** The worker's engine once it has settled (it loads the binary in the background at start). */
async function settledEngine(page: Page): Promise<InboxState['secp256k1']> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { secp256k1 } = await state(page);
    if (secp256k1.fallbackReason !== 'libsecp256k1 is loading') return secp256k1;
    if (Date.now() > deadline) throw new Error('the worker never finished loading libsecp256k1');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('secp256k1 engine of the extension in Chromium', { timeout: 90_000 }, () => {
  let node: XmtpNode;
  let dataDir: string;
  let copyDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-e2e-secp-'));
    [node] = await Promise.all([startNode({ port: 0, dataDir, rateLimit: false }), buildExtension()]);
  });

  afterAll(async () => {
    await node?.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (copyDir) rmSync(copyDir, { recursive: true, force: true });
  });

  it('allows WebAssembly in the CSP and nothing more, and packages the binary', () => {
    const manifest = JSON.parse(readFileSync(join(EXTENSION_DIR, 'manifest.json'), 'utf8')) as {
      content_security_policy: unknown;
    };
    expect(manifest.content_security_policy).toEqual({ extension_pages: CSP });
    const wasm = readFileSync(join(EXTENSION_DIR, 'secp256k1.wasm'));
    expect([...wasm.subarray(0, 4)]).toEqual([0x00, 0x61, 0x73, 0x6d]); // "\0asm"
  });

  it('has the engine in the worker only: the popup and approval pages do no curve work', () => {
    const has = (file: string) =>
      readFileSync(join(EXTENSION_DIR, file), 'utf8').includes('libsecp256k1-wasm');
    expect(has('background.js')).toBe(true);
    const pageChunks = readdirSync(join(EXTENSION_DIR, 'chunks')).map((f) => join('chunks', f));
    expect(pageChunks.length).toBeGreaterThan(0);
    for (const file of [...pageChunks, 'popup-prefetch.js']) expect(has(file), file).toBe(false);
  });

  describe('as built', () => {
    let extension: ExtensionSession;
    let popup: Page;

    beforeAll(async () => {
      extension = await launchExtension();
      popup = await extension.openPopup();
    });
    afterAll(async () => extension?.close());

    it('runs libsecp256k1 in the worker and signs a new identity with it', async () => {
      expect(await settledEngine(popup)).toEqual({ backend: 'libsecp256k1-wasm' });
      const created = (await popupRequest(popup, 'onboarding.createLocal', {
        password: PASSWORD,
        nodes: [node.url],
      })) as { result?: InboxState; error?: unknown };
      expect(created.error).toBeUndefined();
      expect(created.result).toMatchObject({
        vault: 'unlocked',
        identity: 'local',
        secp256k1: { backend: 'libsecp256k1-wasm' },
      });
      expect(created.result!.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    });

    it('loads it again in the fresh worker Chrome starts after stopping the old one', async () => {
      await extension.stopWorker();
      expect(await settledEngine(popup)).toEqual({ backend: 'libsecp256k1-wasm' });
      const unlocked = (await popupRequest(popup, 'vault.unlock', { password: PASSWORD })) as {
        result?: InboxState;
      };
      expect(unlocked.result).toMatchObject({
        vault: 'unlocked',
        secp256k1: { backend: 'libsecp256k1-wasm' },
      });
    });
  });

  describe("without 'wasm-unsafe-eval'", () => {
    let extension: ExtensionSession;
    let popup: Page;

    beforeAll(async () => {
      copyDir = mkdtempSync(join(tmpdir(), 'xmtp-inbox-e2e-no-wasm-'));
      cpSync(EXTENSION_DIR, copyDir, { recursive: true });
      const path = join(copyDir, 'manifest.json');
      const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      manifest.content_security_policy = { extension_pages: "script-src 'self'; object-src 'self';" };
      writeFileSync(path, JSON.stringify(manifest));
      extension = await launchExtension(copyDir);
      popup = await extension.openPopup();
    });
    afterAll(async () => extension?.close());

    it('falls back to noble, says why, and still signs a new identity', async () => {
      const engine = await settledEngine(popup);
      expect(engine.backend).toBe('noble');
      expect(engine.fallbackReason).toMatch(/wasm-unsafe-eval|WebAssembly/);
      const created = (await popupRequest(popup, 'onboarding.createLocal', {
        password: PASSWORD,
        nodes: [node.url],
      })) as { result?: InboxState; error?: unknown };
      expect(created.error).toBeUndefined();
      expect(created.result).toMatchObject({ vault: 'unlocked', secp256k1: { backend: 'noble' } });
    });
  });
});
