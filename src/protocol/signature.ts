// secp256k1 ECDSA as XMTP uses it (§3.1): 32-byte digests in, RFC 6979 low-S r‖s + recovery id out,
// strict verification (high-S rejected, as libsecp256k1 does on the node), and wallet (EIP-191)
// signatures of 65 bytes r‖s‖v with v in {27,28} or {0,1} (§3.4).
import * as secp from '@noble/secp256k1';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { addressOfPublicKey } from './address';
import { fromHex } from './bytes';
import { prepareVerification, recoverUncompressed, signCompact, verifyCompact } from './curve';
import { ProtocolError } from './errors';
import { hashMessage } from './hash';

// noble-secp256k1 3.x needs the sync hashes wired before the sync sign() can run.
secp.hashes.sha256 = sha256;
secp.hashes.hmacSha256 = (key, message) => hmac(sha256, key, message);

/** A compact ECDSA signature: 64 bytes r‖s and the recovery id 0/1. */
export interface CompactSignature {
  bytes: Uint8Array;
  recovery: number;
}

/** Signs a 32-byte digest with a 32-byte secret key: RFC 6979 deterministic, low-S. */
export function signDigest(secretKey: Uint8Array, digest: Uint8Array): CompactSignature {
  if (secretKey.length !== 32 || !secp.utils.isValidSecretKey(secretKey)) {
    throw new ProtocolError('invalid_private_key', `invalid private key length: ${secretKey.length}`);
  }
  if (digest.length !== 32)
    throw new ProtocolError('invalid_digest', `invalid digest length: ${digest.length}`);
  return signCompact(secretKey, digest);
}

/** Strict verification of r‖s over a digest: wrong length, high-S or an invalid key all give false. */
export function verifyDigest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  return verifyCompact(publicKey, digest, signature);
}

/**
 * `verifyDigest` in two steps: the work that does not need the digest happens now, so it can overlap the
 * hashing of a large message; the returned function takes the digest and gives the same answer.
 */
export function verifierFor(publicKey: Uint8Array, signature: Uint8Array): (digest: Uint8Array) => boolean {
  return prepareVerification(publicKey, signature) ?? (() => false);
}

/** Recovers the 65-byte uncompressed public key that made `signature` over `digest`. */
export function recoverPublicKey(digest: Uint8Array, signature: CompactSignature): Uint8Array {
  const { bytes, recovery } = signature;
  if (bytes.length !== 64) {
    throw new ProtocolError('invalid_signature', `invalid signature length: ${bytes.length}`);
  }
  if (recovery !== 0 && recovery !== 1) {
    throw new ProtocolError('invalid_signature', `invalid signature recovery id: ${recovery}`);
  }
  const publicKey = recoverUncompressed(digest, bytes, recovery);
  if (!publicKey) throw new ProtocolError('invalid_signature', 'signature does not recover to a public key');
  return publicKey;
}

/**
 * Splits a wallet's 65-byte `r‖s‖v` signature (hex with 0x, or bytes) into r‖s and a recovery id.
 * v = 27/28 (MetaMask, ethers) or 0/1 (Ledger); 27 and 0 → recovery 0, 28 and 1 → recovery 1 (§3.4).
 */
export function parseWalletSignature(signature: string | Uint8Array): CompactSignature {
  const raw = typeof signature === 'string' ? fromHex(signature) : signature;
  if (raw.length !== 65) {
    throw new ProtocolError('invalid_wallet_signature', `invalid wallet signature length: ${raw.length}`);
  }
  let v = raw[64]!;
  if (v === 0 || v === 1) v += 27;
  if (v !== 27 && v !== 28) {
    throw new ProtocolError('invalid_wallet_signature', `invalid wallet signature v: ${raw[64]}`);
  }
  return { bytes: raw.slice(0, 64), recovery: 1 - (v % 2) };
}

/** The 65-byte `r‖s‖v` form (v = 27/28) of a compact signature, as wallets return it. */
export function walletSignatureBytes(signature: CompactSignature): Uint8Array {
  const out = new Uint8Array(65);
  out.set(signature.bytes);
  out[64] = 27 + signature.recovery;
  return out;
}

/** EIP-55 address of the wallet that personal_sign-ed `text` (EIP-191) with `signature`. */
export function recoverWalletAddress(text: string | Uint8Array, signature: CompactSignature): string {
  return addressOfPublicKey(recoverPublicKey(hashMessage(text), signature));
}

/** Public key (65 bytes, uncompressed) of a 32-byte secret key; throws `invalid_private_key`. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  if (secretKey.length !== 32 || !secp.utils.isValidSecretKey(secretKey)) {
    throw new ProtocolError('invalid_private_key', `invalid private key length: ${secretKey.length}`);
  }
  return secp.getPublicKey(secretKey, false);
}

/** A fresh random secret key (32 bytes, in range). */
export function randomSecretKey(): Uint8Array {
  return secp.utils.randomSecretKey();
}

/** Checks the 65-byte uncompressed SEC1 form and that the point is on the curve. */
export function isValidPublicKey(publicKey: Uint8Array): boolean {
  return publicKey.length === 65 && publicKey[0] === 4 && secp.utils.isValidPublicKey(publicKey, false);
}
