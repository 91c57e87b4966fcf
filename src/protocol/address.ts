// Ethereum addresses (§3.1, §5): EIP-55 checksum form is the identity everywhere, and the node compares
// contact and privatestore topic addresses case-sensitively, so every address we emit is EIP-55.
import { toHex, utf8 } from './bytes';
import { ProtocolError } from './errors';
import { keccak256 } from './hash';

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

function checksum(lowerHex40: string): string {
  const hash = toHex(keccak256(utf8(lowerHex40)));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const c = lowerHex40[i]!;
    out += parseInt(hash[i]!, 16) >= 8 ? c.toUpperCase() : c;
  }
  return out;
}

/**
 * Returns the EIP-55 form of an address given in any case. Throws `invalid_address` when it is not
 * 0x + 40 hex digits, or when it is mixed-case with a wrong checksum (as viem's `getAddress` does).
 */
export function toChecksumAddress(address: string): string {
  if (!ADDRESS_RE.test(address)) {
    throw new ProtocolError('invalid_address', `invalid address: ${JSON.stringify(address.slice(0, 80))}`);
  }
  const body = address.slice(2);
  const lower = body.toLowerCase();
  const result = checksum(lower);
  if (body !== lower && body !== body.toUpperCase() && result !== address) {
    throw new ProtocolError('invalid_address', `invalid address checksum: ${address}`);
  }
  return result;
}

/** True for 0x + 40 hex digits that are all-lowercase, all-uppercase or correctly EIP-55 checksummed. */
export function isAddress(value: unknown): value is string {
  if (typeof value !== 'string' || !ADDRESS_RE.test(value)) return false;
  const body = value.slice(2);
  if (body === body.toLowerCase() || body === body.toUpperCase()) return true;
  return checksum(body.toLowerCase()) === value;
}

/** EIP-55 address of a 65-byte uncompressed secp256k1 public key: last 20 bytes of keccak256(X‖Y). */
export function addressOfPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== 65 || publicKey[0] !== 4) {
    throw new ProtocolError('invalid_public_key', `invalid public key length: ${publicKey.length}`);
  }
  return checksum(toHex(keccak256(publicKey.subarray(1)).subarray(12)));
}
