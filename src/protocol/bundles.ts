// Key bundles (§3.2, §3.3, §3.6): the private V1 bundle a client keeps, the public V1 and V2 bundles
// it hands out, their conversions, and the checks that bind a bundle to a wallet.
import { ProtocolError } from './errors';
import { xmtp } from './gen/xmtp';
import {
  decodeProto,
  legacyKeyBytesToSign,
  legacyKeyWalletAddress,
  legacyPrivateKeyFromProto,
  legacyPrivateKeyToProto,
  legacyPublicKeyFromProto,
  legacyPublicKeyToProto,
  signedKeyWalletAddress,
  signedPublicKeyFromProto,
  signedPublicKeyToProto,
  toLegacyPublicKey,
  toSignedPublicKey,
  verifyKeySignature,
  type LegacyPrivateKey,
  type LegacyPublicKey,
  type SignedPublicKey,
} from './keys';

import pb = xmtp.message_contents;

/** V1 `PublicKeyBundle`. */
export interface PublicKeyBundle {
  identityKey: LegacyPublicKey;
  preKey: LegacyPublicKey;
}

/** V2 `SignedPublicKeyBundle`. */
export interface SignedPublicKeyBundle {
  identityKey: SignedPublicKey;
  preKey: SignedPublicKey;
}

/** `PrivateKeyBundleV1`: the identity key and the prekeys, newest first (pre_keys[0] is current). */
export interface PrivateKeyBundleV1 {
  identityKey: LegacyPrivateKey;
  preKeys: LegacyPrivateKey[];
}

// ---- V1 public bundles

export function publicKeyBundleFromProto(
  b: pb.PublicKeyBundle.$Properties | null | undefined,
): PublicKeyBundle {
  if (!b?.identityKey || !b.preKey) throw new ProtocolError('invalid_key_bundle', 'key bundle lacks a key');
  return { identityKey: legacyPublicKeyFromProto(b.identityKey), preKey: legacyPublicKeyFromProto(b.preKey) };
}

export function publicKeyBundleToProto(b: PublicKeyBundle): pb.PublicKeyBundle.$Properties {
  return { identityKey: legacyPublicKeyToProto(b.identityKey), preKey: legacyPublicKeyToProto(b.preKey) };
}

export function encodePublicKeyBundle(b: PublicKeyBundle): Uint8Array {
  return pb.PublicKeyBundle.encode(publicKeyBundleToProto(b)).finish();
}

export function decodePublicKeyBundle(bytes: Uint8Array): PublicKeyBundle {
  return publicKeyBundleFromProto(decodeProto(pb.PublicKeyBundle, bytes, 'PublicKeyBundle'));
}

// ---- V2 public bundles

export function signedPublicKeyBundleFromProto(
  b: pb.SignedPublicKeyBundle.$Properties | null | undefined,
): SignedPublicKeyBundle {
  if (!b?.identityKey || !b.preKey) throw new ProtocolError('invalid_key_bundle', 'key bundle lacks a key');
  return { identityKey: signedPublicKeyFromProto(b.identityKey), preKey: signedPublicKeyFromProto(b.preKey) };
}

export function signedPublicKeyBundleToProto(b: SignedPublicKeyBundle): pb.SignedPublicKeyBundle.$Properties {
  return { identityKey: signedPublicKeyToProto(b.identityKey), preKey: signedPublicKeyToProto(b.preKey) };
}

export function encodeSignedPublicKeyBundle(b: SignedPublicKeyBundle): Uint8Array {
  return pb.SignedPublicKeyBundle.encode(signedPublicKeyBundleToProto(b)).finish();
}

export function decodeSignedPublicKeyBundle(bytes: Uint8Array): SignedPublicKeyBundle {
  return signedPublicKeyBundleFromProto(
    decodeProto(pb.SignedPublicKeyBundle, bytes, 'SignedPublicKeyBundle'),
  );
}

// ---- conversions (§3.6)

/** `SignedPublicKeyBundle.fromLegacyBundle`: the identity signature becomes `wallet_ecdsa_compact`. */
export function toSignedPublicKeyBundle(b: PublicKeyBundle): SignedPublicKeyBundle {
  return { identityKey: toSignedPublicKey(b.identityKey, true), preKey: toSignedPublicKey(b.preKey, false) };
}

/** `SignedPublicKeyBundle.toLegacyBundle`: only for converted keys (created_ns in ms). */
export function toPublicKeyBundle(b: SignedPublicKeyBundle): PublicKeyBundle {
  return { identityKey: toLegacyPublicKey(b.identityKey), preKey: toLegacyPublicKey(b.preKey) };
}

// ---- verification

/**
 * Checks a V1 bundle: the prekey is signed by the identity key (sha256, ecdsa_compact, §3.5) and
 * the identity key by a wallet. Returns that wallet's EIP-55 address.
 * Throws `invalid_prekey_signature` or `invalid_signature`.
 */
export function verifyPublicKeyBundle(b: PublicKeyBundle): string {
  if (!verifyKeySignature(b.identityKey.publicKey, legacyKeyBytesToSign(b.preKey), b.preKey.signature)) {
    throw new ProtocolError('invalid_prekey_signature', 'peer preKey signature invalid');
  }
  return legacyKeyWalletAddress(b.identityKey);
}

/** Same checks for a V2 bundle; the identity key must carry `wallet_ecdsa_compact` (§3.4). */
export function verifySignedPublicKeyBundle(b: SignedPublicKeyBundle): string {
  if (!verifyKeySignature(b.identityKey.publicKey, b.preKey.keyBytes, b.preKey.signature)) {
    throw new ProtocolError('invalid_prekey_signature', 'peer preKey signature invalid');
  }
  return signedKeyWalletAddress(b.identityKey);
}

// ---- private bundles (§3.3, §4)

export function privateKeyBundleV1FromProto(
  b: pb.PrivateKeyBundleV1.$Properties | null | undefined,
): PrivateKeyBundleV1 {
  if (!b?.identityKey)
    throw new ProtocolError('invalid_key_bundle', 'private key bundle lacks an identity key');
  const preKeys = (b.preKeys ?? []).map((k) => legacyPrivateKeyFromProto(k));
  if (preKeys.length === 0) throw new ProtocolError('invalid_key_bundle', 'private key bundle has no prekey');
  return { identityKey: legacyPrivateKeyFromProto(b.identityKey), preKeys };
}

export function privateKeyBundleV1ToProto(b: PrivateKeyBundleV1): pb.PrivateKeyBundleV1.$Properties {
  return {
    identityKey: legacyPrivateKeyToProto(b.identityKey),
    preKeys: b.preKeys.map(legacyPrivateKeyToProto),
  };
}

/** Bare `PrivateKeyBundleV1` bytes. */
export function encodePrivateKeyBundleV1(b: PrivateKeyBundleV1): Uint8Array {
  return pb.PrivateKeyBundleV1.encode(privateKeyBundleV1ToProto(b)).finish();
}

/** The versioned wrapper `PrivateKeyBundle{v1}` that xmtp-js stores and encrypts (§4). */
export function encodePrivateKeyBundle(b: PrivateKeyBundleV1): Uint8Array {
  return pb.PrivateKeyBundle.encode({ v1: privateKeyBundleV1ToProto(b) }).finish();
}

/**
 * Reads a private key bundle: the versioned wrapper, or (when that fails or holds no v1) a bare
 * `PrivateKeyBundleV1` as very old clients stored it (§4). `legacy` tells which one was found.
 */
export function decodePrivateKeyBundle(bytes: Uint8Array): { bundle: PrivateKeyBundleV1; legacy: boolean } {
  try {
    const wrapped = pb.PrivateKeyBundle.decode(bytes);
    if (wrapped.v1) return { bundle: privateKeyBundleV1FromProto(wrapped.v1), legacy: false };
  } catch {
    // fall through to the legacy layout
  }
  const bare = decodeProto(pb.PrivateKeyBundleV1, bytes, 'PrivateKeyBundleV1');
  return { bundle: privateKeyBundleV1FromProto(bare), legacy: true };
}

/** The public V1 bundle of a private bundle (current prekey). */
export function publicBundleOf(b: PrivateKeyBundleV1): PublicKeyBundle {
  return { identityKey: b.identityKey.publicKey, preKey: b.preKeys[0]!.publicKey };
}
