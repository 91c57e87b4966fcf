// Addresses typed by the user or returned by a wallet, normalized to EIP-55 before they reach the client
// (docs/protocol.md §5: the node compares contact topics case-sensitively).
import { ExtensionError } from '@/extension/errors';
import { toChecksumAddress } from '@/protocol/address';

/** EIP-55 form of a 0x address (surrounding spaces ignored); throws `invalid_address` otherwise. */
export function checksumAddress(address: string): string {
  const trimmed = typeof address === 'string' ? address.trim() : '';
  try {
    return toChecksumAddress(trimmed);
  } catch {
    throw new ExtensionError(
      'invalid_address',
      `invalid address: ${JSON.stringify(String(address).slice(0, 60))}`,
    );
  }
}
