// Creating a wallet-linked identity (§3.3, §3.4): a V1 private key bundle whose identity key is signed
// by the wallet ("Create Identity") and whose prekey is signed by the identity key.
import { toChecksumAddress } from './address';
import { utf8 } from './bytes';
import type { PrivateKeyBundleV1 } from './bundles';
import { ProtocolError } from './errors';
import {
  createIdentityText,
  generateLegacyPrivateKey,
  legacyKeyBytesToSign,
  legacyKeyWalletAddress,
  signKeyBytes,
  type LegacyPrivateKey,
} from './keys';
import { parseWalletSignature, randomSecretKey, recoverWalletAddress } from './signature';

/** What we need of a wallet: its address and EIP-191 `personal_sign` returning 65 bytes as 0x hex. */
export interface Signer {
  getAddress(): Promise<string>;
  signMessage(text: string): Promise<string>;
}

/**
 * Creates a new `PrivateKeyBundleV1` for `signer` (one wallet signature, "Create Identity"). Throws
 * `wallet_signature_mismatch` when the signature does not recover to the signer's address.
 */
export async function createPrivateKeyBundle(
  signer: Signer,
  options: { nowMs?: number } = {},
): Promise<PrivateKeyBundleV1> {
  const nowMs = BigInt(Math.floor(options.nowMs ?? Date.now()));
  const address = toChecksumAddress(await signer.getAddress());
  const identity = generateLegacyPrivateKey(randomSecretKey(), nowMs);
  const text = createIdentityText(legacyKeyBytesToSign(identity.publicKey));
  const sig = parseWalletSignature(await signer.signMessage(text));
  if (recoverWalletAddress(utf8(text), sig) !== address) {
    throw new ProtocolError('wallet_signature_mismatch', `Create Identity signature is not from ${address}`);
  }
  // The wallet signature is stored as ecdsa_compact in V1 bundles (§3.3, §17.3).
  identity.publicKey.signature = { ...sig, kind: 'ecdsa_compact' };
  return { identityKey: identity, preKeys: [generatePreKey(identity, nowMs)] };
}

/** A new prekey signed by the identity key (§3.5). */
export function generatePreKey(identityKey: LegacyPrivateKey, nowMs: bigint): LegacyPrivateKey {
  const preKey = generateLegacyPrivateKey(randomSecretKey(), nowMs);
  preKey.publicKey.signature = signKeyBytes(identityKey.secretKey, legacyKeyBytesToSign(preKey.publicKey));
  return preKey;
}

/** The wallet address a private bundle belongs to. */
export function bundleWalletAddress(bundle: PrivateKeyBundleV1): string {
  return legacyKeyWalletAddress(bundle.identityKey.publicKey);
}
