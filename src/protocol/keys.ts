// Public and private keys in their legacy (V1) and signed (V2) forms (§3.2), the bytes that get signed,
// signature checks (§3.4, §3.5) and the V1 ↔ V2 conversion (§3.6).
import { toHex, utf8 } from './bytes';
import { ProtocolError } from './errors';
import { xmtp } from './gen/xmtp';
import { sha256 } from './hash';
import { fromLong, toLong } from './long';
import { BoundedMemo } from './memo';
import {
  publicKeyOf,
  recoverWalletAddress,
  signDigest,
  verifyDigest,
  type CompactSignature,
} from './signature';

import pb = xmtp.message_contents;

/** Which `Signature` union member carries the r‖s: identity keys are signed by a wallet (§3.3). */
export type SignatureKind = 'ecdsa_compact' | 'wallet_ecdsa_compact';

export interface KeySignature extends CompactSignature {
  kind: SignatureKind;
}

/** V1 `PublicKey`: a 65-byte uncompressed key, its creation time in ms and an optional signature. */
export interface LegacyPublicKey {
  timestampMs: bigint;
  publicKey: Uint8Array;
  signature?: KeySignature;
}

/** V1 `PrivateKey` with its signed public key. */
export interface LegacyPrivateKey {
  timestampMs: bigint;
  secretKey: Uint8Array;
  publicKey: LegacyPublicKey;
}

/**
 * V2 `SignedPublicKey`. `keyBytes` are kept exactly as received: they are what was signed (§3.2).
 * `createdNs` holds ms for keys converted from V1 (below 10¹⁸, §3.2).
 */
export interface SignedPublicKey {
  keyBytes: Uint8Array;
  createdNs: bigint;
  publicKey: Uint8Array;
  signature: KeySignature;
}

/** xmtp-js treats `created_ns` below 10¹⁸ as milliseconds of a converted legacy key (§3.2). */
export const LEGACY_CREATED_NS_LIMIT = 1_000_000_000_000_000_000n;

// ---- validation helpers

export function checkPublicKeyBytes(bytes: Uint8Array | null | undefined): Uint8Array {
  if (!bytes || bytes.length !== 65 || bytes[0] !== 4) {
    throw new ProtocolError('invalid_public_key', `invalid public key length: ${bytes?.length ?? 0}`);
  }
  return bytes;
}

/** Our KeySignature from a decoded protobuf `Signature`; throws `invalid_signature`. */
export function signatureFromProto(sig: pb.Signature.$Properties | null | undefined): KeySignature {
  const inner = sig?.ecdsaCompact ?? sig?.walletEcdsaCompact;
  if (!sig || !inner) throw new ProtocolError('invalid_signature', 'missing or unknown signature type');
  const kind: SignatureKind = sig.ecdsaCompact ? 'ecdsa_compact' : 'wallet_ecdsa_compact';
  const bytes = inner.bytes ?? new Uint8Array(0);
  if (bytes.length !== 64) {
    throw new ProtocolError('invalid_signature', `invalid signature length: ${bytes.length}`);
  }
  const recovery = inner.recovery ?? 0;
  if (recovery !== 0 && recovery !== 1) {
    throw new ProtocolError('invalid_signature', `invalid signature recovery id: ${recovery}`);
  }
  return { kind, bytes, recovery };
}

export function signatureToProto(sig: KeySignature): pb.Signature.$Properties {
  const inner = { bytes: sig.bytes, recovery: sig.recovery };
  return sig.kind === 'ecdsa_compact' ? { ecdsaCompact: inner } : { walletEcdsaCompact: inner };
}

// ---- legacy (V1) public keys

export function legacyPublicKeyFromProto(key: pb.PublicKey.$Properties | null | undefined): LegacyPublicKey {
  if (!key) throw new ProtocolError('invalid_public_key', 'missing public key');
  const out: LegacyPublicKey = {
    timestampMs: fromLong(key.timestamp),
    publicKey: checkPublicKeyBytes(key.secp256k1Uncompressed?.bytes),
  };
  if (key.signature) out.signature = signatureFromProto(key.signature);
  return out;
}

export function legacyPublicKeyToProto(key: LegacyPublicKey): pb.PublicKey.$Properties {
  const out: pb.PublicKey.$Properties = {
    timestamp: toLong(key.timestampMs),
    secp256k1Uncompressed: { bytes: key.publicKey },
  };
  if (key.signature) out.signature = signatureToProto(key.signature);
  return out;
}

export function encodeLegacyPublicKey(key: LegacyPublicKey): Uint8Array {
  return pb.PublicKey.encode(legacyPublicKeyToProto(key)).finish();
}

export function decodeLegacyPublicKey(bytes: Uint8Array): LegacyPublicKey {
  return legacyPublicKeyFromProto(decodeProto(pb.PublicKey, bytes, 'PublicKey'));
}

/** bytesToSign of a V1 key: the key re-encoded without its signature (§3.2), as the node does (§2.3). */
export function legacyKeyBytesToSign(key: Pick<LegacyPublicKey, 'timestampMs' | 'publicKey'>): Uint8Array {
  return pb.PublicKey.encode({
    timestamp: toLong(key.timestampMs),
    secp256k1Uncompressed: { bytes: key.publicKey },
  }).finish();
}

// ---- signed (V2) public keys

export function signedPublicKeyFromProto(
  key: pb.SignedPublicKey.$Properties | null | undefined,
): SignedPublicKey {
  if (!key?.keyBytes) throw new ProtocolError('invalid_public_key', 'missing signed public key');
  const unsigned = decodeProto(pb.UnsignedPublicKey, key.keyBytes, 'UnsignedPublicKey');
  return {
    keyBytes: key.keyBytes,
    createdNs: fromLong(unsigned.createdNs),
    publicKey: checkPublicKeyBytes(unsigned.secp256k1Uncompressed?.bytes),
    signature: signatureFromProto(key.signature),
  };
}

export function signedPublicKeyToProto(key: SignedPublicKey): pb.SignedPublicKey.$Properties {
  return { keyBytes: key.keyBytes, signature: signatureToProto(key.signature) };
}

export function encodeSignedPublicKey(key: SignedPublicKey): Uint8Array {
  return pb.SignedPublicKey.encode(signedPublicKeyToProto(key)).finish();
}

export function decodeSignedPublicKey(bytes: Uint8Array): SignedPublicKey {
  return signedPublicKeyFromProto(decodeProto(pb.SignedPublicKey, bytes, 'SignedPublicKey'));
}

// ---- V1 ↔ V2 (§3.6)

/**
 * `SignedPublicKey.fromLegacyKey`: key_bytes = the V1 bytesToSign (created_ns stays in ms); a wallet
 * signature moves from `ecdsa_compact` into `wallet_ecdsa_compact`.
 */
export function toSignedPublicKey(key: LegacyPublicKey, signedByWallet: boolean): SignedPublicKey {
  if (!key.signature) throw new ProtocolError('unsigned_key', 'public key is not signed');
  return {
    keyBytes: legacyKeyBytesToSign(key),
    createdNs: key.timestampMs,
    publicKey: key.publicKey,
    signature: { ...key.signature, kind: signedByWallet ? 'wallet_ecdsa_compact' : key.signature.kind },
  };
}

/** `SignedPublicKey.toLegacyKey`: only for converted keys (created_ns in ms, §3.6). */
export function toLegacyPublicKey(key: SignedPublicKey): LegacyPublicKey {
  if (key.createdNs >= LEGACY_CREATED_NS_LIMIT) {
    throw new ProtocolError('not_legacy_key', `cannot convert a key created at ${key.createdNs} ns to V1`);
  }
  return {
    timestampMs: key.createdNs,
    publicKey: key.publicKey,
    signature: { bytes: key.signature.bytes, recovery: key.signature.recovery, kind: 'ecdsa_compact' },
  };
}

// ---- signatures over keys

/** The "Create Identity" text a wallet signs for an identity key (§3.4). */
export function createIdentityText(keyBytesToSign: Uint8Array): string {
  return `XMTP : Create Identity\n${toHex(keyBytesToSign)}\n\nFor more info: https://xmtp.org/signatures/`;
}

/**
 * Wallet address of a V1 identity key: recovered from its "Create Identity" signature. Both
 * `ecdsa_compact` and `wallet_ecdsa_compact` are accepted here (§3.4, §3.6 Flutter quirk).
 */
export function legacyKeyWalletAddress(key: LegacyPublicKey): string {
  const signature = key.signature;
  if (!signature) throw new ProtocolError('unsigned_key', 'identity key is not signed');
  const bytes = legacyKeyBytesToSign(key);
  return walletMemo.get(memoKey(bytes, signature), () =>
    recoverWalletAddress(utf8(createIdentityText(bytes)), signature),
  );
}

// Wallet recovery and prekey checks repeat for every message from the same bundle (§7.4, §9.3).
const walletMemo = new BoundedMemo<string>(2048);
const keySignatureMemo = new BoundedMemo<boolean>(2048);

/** Forgets memoised wallet recoveries and prekey checks (benchmarks measure cold paths). */
export function clearVerificationCache(): void {
  walletMemo.clear();
  keySignatureMemo.clear();
}

function memoKey(bytes: Uint8Array, signature: CompactSignature, extra?: Uint8Array): string {
  return `${toHex(bytes)}:${toHex(signature.bytes)}:${signature.recovery}${extra ? `:${toHex(extra)}` : ''}`;
}

/** Wallet address of a V2 identity key; requires `wallet_ecdsa_compact` as xmtp-js does (§3.4). */
export function signedKeyWalletAddress(key: SignedPublicKey): string {
  if (key.signature.kind !== 'wallet_ecdsa_compact') {
    throw new ProtocolError('key_not_wallet_signed', 'key was not signed by a wallet');
  }
  const { keyBytes, signature } = key;
  return walletMemo.get(memoKey(keyBytes, signature), () =>
    recoverWalletAddress(utf8(createIdentityText(keyBytes)), signature),
  );
}

/** True when `signature` (ecdsa_compact only) is the identity key's signature over sha256(bytes) (§3.5). */
export function verifyKeySignature(
  identityPublicKey: Uint8Array,
  bytesToSign: Uint8Array,
  signature: KeySignature | undefined,
): boolean {
  if (!signature || signature.kind !== 'ecdsa_compact') return false;
  return keySignatureMemo.get(memoKey(bytesToSign, signature, identityPublicKey), () =>
    verifyDigest(identityPublicKey, sha256(bytesToSign), signature.bytes),
  );
}

/** Signs another key's bytesToSign with an identity secret key: sha256 digest → `ecdsa_compact` (§3.5). */
export function signKeyBytes(identitySecretKey: Uint8Array, bytesToSign: Uint8Array): KeySignature {
  return { ...signDigest(identitySecretKey, sha256(bytesToSign)), kind: 'ecdsa_compact' };
}

// ---- legacy private keys

export function legacyPrivateKeyFromProto(
  key: pb.PrivateKey.$Properties | null | undefined,
): LegacyPrivateKey {
  const secretKey = key?.secp256k1?.bytes;
  if (!key || !secretKey || secretKey.length !== 32) {
    throw new ProtocolError('invalid_private_key', `invalid private key length: ${secretKey?.length ?? 0}`);
  }
  const publicKey = legacyPublicKeyFromProto(key.publicKey);
  checkKeyPair(secretKey, publicKey.publicKey);
  return { timestampMs: fromLong(key.timestamp), secretKey, publicKey };
}

export function legacyPrivateKeyToProto(key: LegacyPrivateKey): pb.PrivateKey.$Properties {
  return {
    timestamp: toLong(key.timestampMs),
    secp256k1: { bytes: key.secretKey },
    publicKey: legacyPublicKeyToProto(key.publicKey),
  };
}

export function encodeLegacyPrivateKey(key: LegacyPrivateKey): Uint8Array {
  return pb.PrivateKey.encode(legacyPrivateKeyToProto(key)).finish();
}

export function decodeLegacyPrivateKey(bytes: Uint8Array): LegacyPrivateKey {
  return legacyPrivateKeyFromProto(decodeProto(pb.PrivateKey, bytes, 'PrivateKey'));
}

/** A new unsigned V1 private key created at `timestampMs`. */
export function generateLegacyPrivateKey(secretKey: Uint8Array, timestampMs: bigint): LegacyPrivateKey {
  return { timestampMs, secretKey, publicKey: { timestampMs, publicKey: publicKeyOf(secretKey) } };
}

function checkKeyPair(secretKey: Uint8Array, publicKey: Uint8Array): void {
  const derived = publicKeyOf(secretKey);
  for (let i = 0; i < 65; i++) {
    if (derived[i] !== publicKey[i]) {
      throw new ProtocolError('invalid_private_key', 'private key does not match its public key');
    }
  }
}

// ---- protobuf decoding with our error codes

interface Decoder<T> {
  decode(bytes: Uint8Array): T;
}

/** Decodes with a generated type; malformed bytes throw `malformed_protobuf` naming the message. */
export function decodeProto<T>(type: Decoder<T>, bytes: Uint8Array, name: string): T {
  try {
    return type.decode(bytes);
  } catch (cause) {
    throw new ProtocolError('malformed_protobuf', `malformed ${name}: ${(cause as Error).message}`, {
      cause,
    });
  }
}
