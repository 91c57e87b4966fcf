// Auth tokens (§2): made by clients for Publish, verified by the node. The error texts follow
// xmtp-node-go (`extracting token: …` for decoding, `validating token: …` for the checks, §2.3).
import { fromBase64, toBase64 } from './bytes';
import { ProtocolError } from './errors';
import { xmtp } from './gen/xmtp';
import { keccak256 } from './hash';
import {
  decodeProto,
  legacyKeyWalletAddress,
  legacyPublicKeyFromProto,
  legacyPublicKeyToProto,
  signatureFromProto,
  type LegacyPrivateKey,
  type LegacyPublicKey,
} from './keys';
import { fromLong, toLong } from './long';
import { signDigest, verifyDigest } from './signature';

import api = xmtp.message_api.v1;

/** Failure to read or accept an auth token or Authorization header; `message` is the node's text. */
export class AuthTokenError extends ProtocolError {
  override readonly name: string = 'AuthTokenError';
}

const HOUR_MS = 3_600_000;

/**
 * Builds the base64 `Token` xmtp-js sends as `Authorization: Bearer <token>` (§2.2): AuthData
 * {wallet of the identity key, created_ns = nowMs × 10⁶}, signed by the identity key over
 * keccak256(auth_data_bytes). `identityKey` is the legacy private identity key whose public key carries
 * the wallet's "Create Identity" signature.
 */
export function createAuthToken(
  identityKey: LegacyPrivateKey,
  options: { nowMs?: number; walletAddress?: string } = {},
): string {
  const walletAddr = options.walletAddress ?? legacyKeyWalletAddress(identityKey.publicKey);
  const createdNs = BigInt(Math.floor(options.nowMs ?? Date.now())) * 1_000_000n;
  const authDataBytes = api.AuthData.encode({ walletAddr, createdNs: toLong(createdNs) }).finish();
  const sig = signDigest(identityKey.secretKey, keccak256(authDataBytes));
  const token = api.Token.encode({
    identityKey: legacyPublicKeyToProto(identityKey.publicKey),
    authDataBytes,
    authDataSignature: { ecdsaCompact: { bytes: sig.bytes, recovery: sig.recovery } },
  }).finish();
  return toBase64(token);
}

export interface VerifiedAuthToken {
  /** EIP-55 wallet recovered from the identity key's signature (equal to AuthData.wallet_addr). */
  walletAddress: string;
  createdNs: bigint;
}

export interface VerifyAuthTokenOptions {
  nowMs: number;
  /** Default 1 h, the node's TokenExpiration. */
  maxAgeMs?: number;
  /** Default 5 min. The reference node has no such check (§2.3); we refuse tokens from the future. */
  maxFutureMs?: number;
}

const extracting = (code: string, reason: string) => new AuthTokenError(code, `extracting token: ${reason}`);
const validating = (code: string, reason: string) => new AuthTokenError(code, `validating token: ${reason}`);

/** Verifies a base64 auth token as xmtp-node-go does (§2.3), in the same order; throws AuthTokenError. */
export function verifyAuthToken(token: string, options: VerifyAuthTokenOptions): VerifiedAuthToken {
  let decoded: api.Token;
  try {
    decoded = decodeProto(api.Token, fromBase64(token), 'Token');
  } catch (cause) {
    throw extracting('auth_malformed_token', (cause as Error).message);
  }
  if (!decoded.identityKey || !decoded.identityKey.signature) {
    throw extracting('auth_missing_identity_key', 'missing identity key');
  }

  // 1. The wallet that signed the identity key (ecdsa_compact or wallet_ecdsa_compact).
  let identityKey: LegacyPublicKey;
  try {
    identityKey = legacyPublicKeyFromProto(decoded.identityKey);
  } catch (cause) {
    const code = (cause as ProtocolError).code;
    if (code === 'invalid_public_key') throw validating('auth_unknown_key_type', 'unknown public key type');
    throw validating('auth_invalid_signature', 'invalid signature');
  }
  let walletAddress: string;
  try {
    walletAddress = legacyKeyWalletAddress(identityKey);
  } catch {
    throw validating('auth_invalid_signature', 'invalid signature');
  }

  // 2. AuthData signed by the identity key over keccak256(auth_data_bytes), low-S only.
  const authDataBytes = decoded.authDataBytes;
  if (!authDataBytes || authDataBytes.length === 0)
    throw validating('auth_missing_auth_data', 'missing auth data');
  if (!decoded.authDataSignature) {
    throw validating('auth_missing_auth_data_signature', 'missing auth data signature');
  }
  if (!decoded.authDataSignature.ecdsaCompact) {
    throw validating('auth_unknown_signature_type', 'unknown signature type');
  }
  let sigBytes: Uint8Array;
  try {
    sigBytes = signatureFromProto(decoded.authDataSignature).bytes;
  } catch {
    throw validating('auth_invalid_signature', 'invalid signature');
  }
  if (!verifyDigest(identityKey.publicKey, keccak256(authDataBytes), sigBytes)) {
    throw validating('auth_invalid_signature', 'invalid signature');
  }
  let authData: api.AuthData;
  try {
    authData = decodeProto(api.AuthData, authDataBytes, 'AuthData');
  } catch (cause) {
    throw validating('auth_malformed_auth_data', (cause as Error).message);
  }

  // 3. Same wallet, compared case-sensitively like the node.
  if (authData.walletAddr !== walletAddress) {
    throw validating('auth_wallet_mismatch', 'wallet address mismatch');
  }

  // 4. Age.
  const createdNs = fromLong(authData.createdNs);
  const nowNs = BigInt(Math.floor(options.nowMs)) * 1_000_000n;
  const maxAgeNs = BigInt(Math.floor(options.maxAgeMs ?? HOUR_MS)) * 1_000_000n;
  const maxFutureNs = BigInt(Math.floor(options.maxFutureMs ?? 5 * 60_000)) * 1_000_000n;
  if (nowNs - createdNs > maxAgeNs) throw validating('auth_token_expired', 'token expired');
  if (createdNs - nowNs > maxFutureNs) throw validating('auth_token_from_future', 'token from the future');

  return { walletAddress, createdNs };
}

/**
 * Extracts the token from an `Authorization` header value as the node does (§2.3): split on the first
 * space, the scheme must be exactly `Bearer`. Throws AuthTokenError with the node's texts.
 */
export function parseAuthorizationHeader(value: string | null | undefined): string {
  if (value === null || value === undefined) {
    throw new AuthTokenError('auth_token_not_provided', 'authorization token is not provided');
  }
  const space = value.indexOf(' ');
  if (space < 0) throw new AuthTokenError('auth_invalid_header', 'invalid authorization header');
  const scheme = value.slice(0, space).trim();
  if (scheme !== 'Bearer') {
    throw new AuthTokenError('auth_unrecognized_scheme', `unrecognized authorization scheme ${scheme}`);
  }
  return value.slice(space + 1).trim();
}
