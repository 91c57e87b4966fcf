// The encrypted private key bundle a client keeps on the network (§4), unlocked by the wallet's
// "Enable Identity" signature.
import { fromHex, randomBytes, toHex } from './bytes';
import { decodePrivateKeyBundle, encodePrivateKeyBundle, type PrivateKeyBundleV1 } from './bundles';
import { ciphertextFromProto, ciphertextToProto, decrypt, encrypt } from './cipher';
import { ProtocolError } from './errors';
import { xmtp } from './gen/xmtp';
import type { Signer } from './identity';

import pb = xmtp.message_contents;

/** The text the wallet signs to unlock the stored bundle (§4). */
export function enableIdentityText(walletPreKey: Uint8Array): string {
  return `XMTP : Enable Identity\n${toHex(walletPreKey)}\n\nFor more info: https://xmtp.org/signatures/`;
}

export interface StoredBundleHeader {
  walletPreKey: Uint8Array;
  /** True when the bytes were a bare EncryptedPrivateKeyBundleV1 (old clients): re-store it. */
  legacy: boolean;
  ciphertext: pb.Ciphertext.$Properties;
}

/** Reads `EncryptedPrivateKeyBundle` (or its bare V1 form) up to the point where a signature is needed. */
export function readEncryptedPrivateKeyBundle(bytes: Uint8Array): StoredBundleHeader {
  let v1: pb.EncryptedPrivateKeyBundleV1.$Properties | null | undefined;
  let legacy = false;
  try {
    v1 = pb.EncryptedPrivateKeyBundle.decode(bytes).v1;
  } catch {
    v1 = undefined;
  }
  if (!v1?.walletPreKey?.length || !v1.ciphertext) {
    try {
      v1 = pb.EncryptedPrivateKeyBundleV1.decode(bytes);
      legacy = true;
    } catch (cause) {
      throw new ProtocolError('malformed_protobuf', 'malformed EncryptedPrivateKeyBundle', { cause });
    }
  }
  if (!v1.walletPreKey?.length || !v1.ciphertext) {
    throw new ProtocolError(
      'invalid_private_store',
      'encrypted private key bundle lacks its key or ciphertext',
    );
  }
  return { walletPreKey: v1.walletPreKey, legacy, ciphertext: v1.ciphertext };
}

/**
 * Encrypts a bundle for the private store with a wallet signature over `enableIdentityText(walletPreKey)`
 * (65 bytes r‖s‖v, as 0x hex or bytes). The secret is those raw 65 bytes; no AAD (§4).
 */
export async function sealPrivateKeyBundle(
  bundle: PrivateKeyBundleV1,
  walletPreKey: Uint8Array,
  walletSignature: string | Uint8Array,
): Promise<Uint8Array> {
  const secret = typeof walletSignature === 'string' ? fromHex(walletSignature) : walletSignature;
  const ciphertext = await encrypt(encodePrivateKeyBundle(bundle), secret);
  return pb.EncryptedPrivateKeyBundle.encode({
    v1: { walletPreKey, ciphertext: ciphertextToProto(ciphertext) },
  }).finish();
}

/**
 * Decrypts a stored bundle with the wallet's Enable Identity signature. A 65-byte signature that fails
 * is retried once with v moved between 0/1 and 27/28 (a Ledger stored, MetaMask reads, §4).
 * `needsRewrite` is true when either layer was in a legacy format (xmtp-js then stores it again).
 */
export async function openPrivateKeyBundle(
  bytes: Uint8Array,
  walletSignature: string | Uint8Array,
): Promise<{ bundle: PrivateKeyBundleV1; needsRewrite: boolean }> {
  const stored = readEncryptedPrivateKeyBundle(bytes);
  const secret = typeof walletSignature === 'string' ? fromHex(walletSignature) : walletSignature;
  const ciphertext = ciphertextFromProto(stored.ciphertext);
  let plaintext: Uint8Array;
  try {
    plaintext = await decrypt(ciphertext, secret);
  } catch (err) {
    if (secret.length !== 65) throw err;
    const flipped = new Uint8Array(secret);
    const v = flipped[64]!;
    flipped[64] = v < 27 ? v + 27 : v - 27;
    plaintext = await decrypt(ciphertext, flipped);
  }
  const { bundle, legacy } = decodePrivateKeyBundle(plaintext);
  return { bundle, needsRewrite: stored.legacy || legacy };
}

/** Store flow with a wallet: fresh 32-byte wallet_pre_key, one Enable Identity signature. */
export async function encryptPrivateKeyBundle(
  bundle: PrivateKeyBundleV1,
  signer: Signer,
): Promise<Uint8Array> {
  const walletPreKey = randomBytes(32);
  const signature = await signer.signMessage(enableIdentityText(walletPreKey));
  return sealPrivateKeyBundle(bundle, walletPreKey, signature);
}

/** Load flow with a wallet: the signature over the stored wallet_pre_key unlocks the bundle. */
export async function decryptPrivateKeyBundle(
  bytes: Uint8Array,
  signer: Signer,
): Promise<{ bundle: PrivateKeyBundleV1; needsRewrite: boolean }> {
  const { walletPreKey } = readEncryptedPrivateKeyBundle(bytes);
  return openPrivateKeyBundle(bytes, await signer.signMessage(enableIdentityText(walletPreKey)));
}
