// Addresses typed by the user or returned by a wallet, normalized to EIP-55 before they reach the client
// (protocol.md §5: the node compares contact topics case-sensitively).
import { keccak_256 } from '@noble/hashes/sha3.js';
import { ExtensionError } from '@/extension/errors';
import { toHex, utf8 } from '@/protocol/bytes';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function isAddress(value: unknown): value is string {
  return typeof value === 'string' && ADDRESS.test(value);
}

/** EIP-55 form of a 0x address in any case; throws `invalid_address` otherwise. */
export function checksumAddress(address: string): string {
  const trimmed = typeof address === 'string' ? address.trim() : '';
  if (!ADDRESS.test(trimmed)) {
    throw new ExtensionError(
      'invalid_address',
      `invalid address: ${JSON.stringify(String(address).slice(0, 60))}`,
    );
  }
  const lower = trimmed.slice(2).toLowerCase();
  const hash = toHex(keccak_256(utf8(lower)));
  let out = '0x';
  for (let i = 0; i < 40; i++) out += parseInt(hash[i]!, 16) >= 8 ? lower[i]!.toUpperCase() : lower[i];
  return out;
}

/** `0x1234…abcd`, for lists. */
export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}
