// ECDH on secp256k1 as XMTP uses it: the shared point in its 65-byte uncompressed form (§3.1, §17.1).
import * as secp from '@noble/secp256k1';
import { ProtocolError } from './errors';

export function sharedPoint(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  try {
    return secp.getSharedSecret(secretKey, publicKey, false);
  } catch (cause) {
    throw new ProtocolError('invalid_public_key', 'public key is not a point on secp256k1', { cause });
  }
}
