import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import * as secp from '@noble/secp256k1';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildExtension,
  launchExtension,
  popupRequest,
  screenshot,
  serveDapp,
  type DappServer,
  type ExtensionSession,
} from './harness';

/** ecrecover of an EIP-191 personal_sign signature (docs/protocol.md §3.4), lowercase address. */
function recoverAddress(text: string, signatureHex: string): string {
  const signature = hexToBytes(signatureHex.slice(2));
  const message = utf8ToBytes(text);
  const digest = keccak_256(
    concatBytes(utf8ToBytes(`\x19Ethereum Signed Message:\n${message.length}`), message),
  );
  const v = signature[64]!;
  const recovery = v >= 27 ? v - 27 : v;
  const recovered = concatBytes(Uint8Array.of(recovery), signature.slice(0, 64));
  const publicKey = secp.Point.fromBytes(
    secp.recoverPublicKey(recovered, digest, { prehash: false }),
  ).toBytes(false);
  return '0x' + bytesToHex(keccak_256(publicKey.slice(1)).slice(-20));
}

describe('extension in Chromium', { timeout: 60_000 }, () => {
  let extension: ExtensionSession;
  let dapp: DappServer;
  let popup: Page;

  beforeAll(async () => {
    await buildExtension();
    dapp = await serveDapp();
    extension = await launchExtension();
  });

  afterAll(async () => {
    await extension?.close();
    await dapp?.close();
  });

  it('loads the extension with its service worker', async () => {
    expect(extension.extensionId).toMatch(/^[a-p]{32}$/);
    expect((await extension.worker()).url()).toBe(
      `chrome-extension://${extension.extensionId}/background.js`,
    );
  });

  it('opens the popup on onboarding', async () => {
    popup = await extension.openPopup();
    await popup.getByRole('heading', { name: 'Welcome to XMTP Inbox' }).waitFor({ timeout: 10_000 });
    await expect(popup.getByRole('button', { pressed: true }).textContent()).resolves.toMatch(/^Link wallet/);
    await expect(
      popup.getByRole('button', { name: 'Create a local key', exact: false }).count(),
    ).resolves.toBe(1);
    await expect(popup.getByRole('button', { name: 'Restore a backup', exact: false }).count()).resolves.toBe(
      1,
    );
    // A plaintext key bundle only behind "Advanced", with a warning (issue #18).
    await expect(popup.getByRole('button', { name: 'Import a key', exact: false }).count()).resolves.toBe(0);
    await popup.getByRole('button', { name: /Advanced: import a plaintext key bundle/ }).click();
    await expect(popup.getByRole('note').textContent()).resolves.toContain('your account in the clear');
    await popup.getByRole('button', { name: 'Link wallet', exact: false }).click();
    await expect(popup.getByLabel('Node URLs').inputValue()).resolves.toBe('http://localhost:5555');
    await screenshot(popup, 'onboarding', 'docs/screenshots');
  });

  it('has the dapp wallet sign through content script and background, with a signature that recovers to it', async () => {
    const page = await extension.context.newPage();
    await page.goto(`${dapp.url}/`);
    const walletAddress = await page
      .waitForFunction(() => (window as unknown as { testWallet?: { address: string } }).testWallet?.address)
      .then((h) => h.jsonValue() as Promise<string>);

    await extension.worker(); // the worker may have stopped while idle; asking for it wakes it
    const tabs = (await popupRequest(popup, 'wallet.tabs', {})) as {
      result: { tabId: number; origin: string; accounts: string[] }[];
    };
    const tab = tabs.result.find((t) => t.origin === dapp.url);
    expect(tab?.accounts).toEqual([walletAddress]);

    const text = `XMTP : Enable Identity\n${'ab'.repeat(32)}\n\nFor more info: https://xmtp.org/signatures/`;
    const reply = (await popupRequest(popup, 'wallet.sign', { tabId: tab!.tabId, text })) as {
      result: { address: string; signature: string };
    };
    expect(reply.result.address.toLowerCase()).toBe(walletAddress);
    expect(reply.result.signature).toMatch(/^0x[0-9a-f]{130}$/);
    expect(recoverAddress(text, reply.result.signature)).toBe(walletAddress);
    await screenshot(page, 'dapp-after-sign');
  });

  it('reports a rejected signature as error data', async () => {
    const page = await extension.context.newPage();
    await page.goto(`${dapp.url}/?reject=1`);
    await page.waitForFunction(() => (window as unknown as { testWallet?: unknown }).testWallet);
    const tabs = (await popupRequest(popup, 'wallet.tabs', {})) as {
      result: { tabId: number; origin: string; active: boolean }[];
    };
    const ids = tabs.result.filter((t) => t.origin === dapp.url).map((t) => t.tabId);
    const replies = await Promise.all(
      ids.map((tabId) => popupRequest(popup, 'wallet.sign', { tabId, text: 'hello' })),
    );
    expect(replies).toContainEqual({
      error: { code: 'wallet_rejected', message: expect.stringContaining('rejected') },
    });
  });

  it('ignores popup-map requests from web pages', async () => {
    // A content-script context cannot reach the popup map; a web page cannot even call runtime.sendMessage.
    const page = await extension.context.newPage();
    await page.goto(`${dapp.url}/`);
    const hasRuntime = await page.evaluate(
      () =>
        typeof (globalThis as unknown as { chrome?: { runtime?: { sendMessage?: unknown } } }).chrome?.runtime
          ?.sendMessage,
    );
    expect(hasRuntime).toBe('undefined');
  });
});
