// ECDH on secp256k1 as XMTP uses it: the shared point in its 65-byte uncompressed form (§3.1, §17.1).
import { ProtocolError } from './errors';
import { secp256k1 } from './secp256k1';

export function sharedPoint(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const shared = secp256k1().ecdh(secretKey, publicKey);
  if (!shared) throw new ProtocolError('invalid_public_key', 'public key is not a point on secp256k1');
  return shared;
}
