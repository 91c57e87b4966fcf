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

/**
 * Stored bundles tried at most, newest first. Each costs the wallet one "Enable Identity" signature, so a topic
 * flooded with junk must not turn into endless prompts; the owner's own bundles are few and recent.
 */
export const MAX_STORED_BUNDLES_TRIED = 5;

/** Failures that mean "not this bundle" (someone else's or junk), so an older one is tried. */
const NOT_THIS_BUNDLE = new Set([
  'malformed_protobuf',
  'invalid_ciphertext',
  'decryption_failed',
  'wallet_mismatch',
]);

/**
 * The stored bundles of `address`, newest first, at most `max` (xmtp-js reads only the newest: DESC, page size 1,
 * §12.1). A peer node can relay an envelope into this topic without the owner's token, so the newest one is not
 * necessarily the owner's: the caller tries each until one decrypts (docs/client.md).
 */
export async function findStoredBundles(
  api: ApiClient,
  address: string,
  max = MAX_STORED_BUNDLES_TRIED,
): Promise<Uint8Array[]> {
  const found: Uint8Array[] = [];
  for await (const page of api.queryPages(privateStoreTopic(address), {
    direction: 'descending',
    pageSize: max,
  })) {
    for (const envelope of page) {
      if (envelope.message.length > 0) found.push(envelope.message);
      if (found.length >= max) return found;
    }
  }
  return found;
}

/** The newest stored bundle for `address`, or undefined. */
export async function findStoredBundle(api: ApiClient, address: string): Promise<Uint8Array | undefined> {
  return (await findStoredBundles(api, address, 1))[0];
}

/**
 * The first stored bundle, newest first, that `signer` decrypts and that belongs to `address`; undefined when
 * none is stored. Throws when some are stored but none is the wallet's (the last reason), and at once when the
 * wallet declines to sign.
 */
async function openStoredBundle(
  stored: Uint8Array[],
  address: string,
  signer: Signer,
): Promise<{ bundle: PrivateKeyBundleV1; needsRewrite: boolean } | undefined> {
  let last: unknown;
  for (const candidate of stored) {
    try {
      const opened = await decryptPrivateKeyBundle(candidate, signer);
      const owner = bundleWalletAddress(opened.bundle);
      if (owner !== address)
        throw new ProtocolError('wallet_mismatch', `stored key bundle belongs to ${owner}, not ${address}`);
      return opened;
    } catch (error) {
      if (!(error instanceof ProtocolError) || !NOT_THIS_BUNDLE.has(error.code)) throw error;
      last = error;
    }
  }
  if (last) throw last;
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
  const stored = await findStoredBundles(api, address);
  const opened = await openStoredBundle(stored, address, reporting(signer, 'enable-identity', onProgress));
  if (opened) {
    const { bundle, needsRewrite } = opened;
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
