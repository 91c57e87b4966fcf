// A fresh XMTP identity and its auth token, for tests of the node's token-checked attachment uploads.
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createAuthToken } from '@/protocol/authn';
import type { PrivateKeyBundleV1 } from '@/protocol/bundles';
import { createPrivateKeyBundle } from '@/protocol/identity';

export async function identity(): Promise<PrivateKeyBundleV1> {
  const account = privateKeyToAccount(generatePrivateKey());
  return createPrivateKeyBundle({
    getAddress: async () => account.address,
    signMessage: (message) => account.signMessage({ message }),
  });
}

export const tokenOf = (bundle: PrivateKeyBundleV1) =>
  createAuthToken(bundle.identityKey, { nowMs: Date.now() });
