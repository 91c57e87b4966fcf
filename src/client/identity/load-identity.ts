// Where a client's keys come from (docs/protocol.md §12.1 step 1): a given key bundle, the network private
// store (one "Enable Identity" signature), or a new identity ("Create Identity", then "Enable Identity"
// to store it).
import { toChecksumAddress } from '@/protocol/address';
import type { PrivateKeyBundleV1 } from '@/protocol/bundles';
import { ProtocolError } from '@/protocol/errors';
import { bundleWalletAddress, createPrivateKeyBundle, type Signer } from '@/protocol/identity';
import { decryptPrivateKeyBundle, encryptPrivateKeyBundle } from '@/protocol/private-store';
import { privateStoreTopic } from '@/protocol/topics';
import type { ApiClient } from '@/client/api';

export type ProgressStep = 'load-identity' | 'create-identity' | 'enable-identity' | 'publish-contact';
export type OnProgress = (step: ProgressStep, info?: { text?: string }) => void;

/** Signer that reports each text it is asked to sign, so a UI can show what the wallet will display. */
function reporting(signer: Signer, step: ProgressStep, onProgress?: OnProgress): Signer {
  return {
    getAddress: () => signer.getAddress(),
    signMessage: (text) => {
      onProgress?.(step, { text });
      return signer.signMessage(text);
    },
  };
}

/** The newest stored bundle for `address`, or undefined (xmtp-js: DESC, page size 1, §12.1). */
export async function findStoredBundle(api: ApiClient, address: string): Promise<Uint8Array | undefined> {
  for await (const page of api.queryPages(privateStoreTopic(address), {
    direction: 'descending',
    pageSize: 1,
  })) {
    for (const envelope of page) if (envelope.message.length > 0) return envelope.message;
  }
  return undefined;
}

/** Publishes the bundle, encrypted with a fresh Enable Identity signature, to the private store (§4). */
export async function storeBundle(
  api: ApiClient,
  bundle: PrivateKeyBundleV1,
  signer: Signer,
  onProgress?: OnProgress,
): Promise<void> {
  const address = bundleWalletAddress(bundle);
  const message = await encryptPrivateKeyBundle(bundle, reporting(signer, 'enable-identity', onProgress));
  // The ApiClient's authenticator signs with this bundle's identity key (set before this call).
  await api.publish([
    { contentTopic: privateStoreTopic(address), timestampNs: BigInt(Date.now()) * 1_000_000n, message },
  ]);
}

export interface LoadIdentityOptions {
  keyStorage: 'network' | 'local';
  onProgress?: OnProgress;
}

/** Loads or creates the identity of `signer`'s wallet. */
export async function loadOrCreateIdentity(
  api: ApiClient,
  signer: Signer,
  options: LoadIdentityOptions & { useKeys: (bundle: PrivateKeyBundleV1) => void },
): Promise<PrivateKeyBundleV1> {
  const { onProgress } = options;
  const address = toChecksumAddress(await signer.getAddress());
  onProgress?.('load-identity');
  const stored = await findStoredBundle(api, address);
  if (stored) {
    const { bundle, needsRewrite } = await decryptPrivateKeyBundle(
      stored,
      reporting(signer, 'enable-identity', onProgress),
    );
    const owner = bundleWalletAddress(bundle);
    if (owner !== address) {
      throw new ProtocolError('wallet_mismatch', `stored key bundle belongs to ${owner}, not ${address}`);
    }
    options.useKeys(bundle);
    // A legacy layout is written again in the current one, as xmtp-js does (§4).
    if (needsRewrite && options.keyStorage === 'network') await storeBundle(api, bundle, signer, onProgress);
    return bundle;
  }
  const bundle = await createPrivateKeyBundle(reporting(signer, 'create-identity', onProgress));
  options.useKeys(bundle);
  if (options.keyStorage === 'network') await storeBundle(api, bundle, signer, onProgress);
  return bundle;
}
