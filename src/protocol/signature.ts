// secp256k1 ECDSA as XMTP uses it (§3.1): 32-byte digests in, RFC 6979 low-S r‖s + recovery id out,
// strict verification (high-S rejected, as libsecp256k1 does on the node), and wallet (EIP-191)
// signatures of 65 bytes r‖s‖v with v in {27,28} or {0,1} (§3.4). The curve work is the engine's of
// secp256k1.ts (libsecp256k1 in WebAssembly, noble as the fallback); this module checks and shapes.
import * as secp from '@noble/secp256k1';
import { addressOfPublicKey } from './address';
import { fromHex } from './bytes';
import { ProtocolError } from './errors';
import { hashMessage } from './hash';
import { secp256k1 } from './secp256k1';

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
  return secp256k1().sign(secretKey, digest);
}

/** Strict verification of r‖s over a digest: wrong length, high-S or an invalid key all give false. */
export function verifyDigest(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  return secp256k1().verify(publicKey, digest, signature);
}

/**
 * `verifyDigest` with the key and signature bound first and the digest given later (V2 decode hashes a large
 * message while it holds the sender's prekey). libsecp256k1 verifies in one call, so nothing is precomputed.
 */
export function verifierFor(publicKey: Uint8Array, signature: Uint8Array): (digest: Uint8Array) => boolean {
  return (digest) => verifyDigest(publicKey, digest, signature);
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
  const publicKey = secp256k1().recover(digest, bytes, recovery);
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
  return secp256k1().publicKey(secretKey);
}

/** A fresh random secret key (32 bytes, in range). */
export function randomSecretKey(): Uint8Array {
  return secp.utils.randomSecretKey();
}

/** Checks the 65-byte uncompressed SEC1 form and that the point is on the curve. */
export function isValidPublicKey(publicKey: Uint8Array): boolean {
  return publicKey.length === 65 && publicKey[0] === 4 && secp.utils.isValidPublicKey(publicKey, false);
}
