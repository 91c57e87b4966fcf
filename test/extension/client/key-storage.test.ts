import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '@/client/api';
import { findStoredBundle } from '@/client/identity/load-identity';
import type { XmtpNode } from '@/network/node';
import { createLocalWallet } from '@/extension/client/local-wallet';
import { signaturePurpose } from '@/extension/wallet/signer';
import { realNodeForFile } from '../../helpers/node-for-file';
import { throwawayAdapter } from '../../helpers/throwaway-adapter';

// Issue #21 item 3: a wallet-linked identity stays in the vault unless the user asks for a network copy. The
// "Enable Identity" signature that encrypts (and decrypts) a stored bundle passes through the page whose wallet
// signs, and anyone can read the private store: a stored bundle is readable by that page. Real node, real client.
let node: XmtpNode;
realNodeForFile('xmtp-inbox-keys-', (started) => (node = started));

const adapter = () => throwawayAdapter();

/** A wallet that records what it was asked to sign. */
function recordingWallet() {
  const wallet = createLocalWallet();
  const signed: string[] = [];
  return {
    address: wallet.address,
    signed,
    signer: {
      getAddress: () => wallet.getAddress(),
      signMessage: (text: string) => (signed.push(signaturePurpose(text)), wallet.signMessage(text)),
    },
  };
}

/** What anyone can read from the node's private store of `address` (no authentication). */
const storedBundle = (address: string) =>
  findStoredBundle(new ApiClient({ nodes: [node.url], WebSocket: null }), address);

describe('wallet identity key storage', () => {
  it('creates a new identity without publishing its keys: one signature, nothing in the private store', async () => {
    const wallet = recordingWallet();
    const session = await adapter().create({ kind: 'wallet', signer: wallet.signer }, { nodes: [node.url] });
    expect(session.address).toBe(wallet.address);
    expect(wallet.signed).toEqual(['create_identity']);
    expect(await storedBundle(wallet.address)).toBeUndefined();
    await session.close();
  });

  it('publishes the encrypted bundle only when asked, and a stored one is enabled without publishing again', async () => {
    const wallet = recordingWallet();
    const first = await adapter().create(
      { kind: 'wallet', signer: wallet.signer, storeOnNetwork: true },
      { nodes: [node.url] },
    );
    expect(wallet.signed).toEqual(['create_identity', 'enable_identity']);
    expect(await storedBundle(wallet.address)).toBeInstanceOf(Uint8Array);
    const keys = await first.exportKeyBundle();
    await first.close();

    // Another browser linking the same wallet: the stored bundle is enabled (one signature), the same keys.
    wallet.signed.length = 0;
    const second = await adapter().create({ kind: 'wallet', signer: wallet.signer }, { nodes: [node.url] });
    expect(wallet.signed).toEqual(['enable_identity']);
    expect(await second.exportKeyBundle()).toBe(keys);
    await second.close();
  });
});
