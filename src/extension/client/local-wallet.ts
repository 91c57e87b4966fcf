// "Create a local key": a secp256k1 wallet key made inside the extension plays the wallet once, signing the
// Create and Enable Identity texts (docs/protocol.md §3.4, §4) like personal_sign would. Afterwards only the XMTP key
// bundle it produced is kept (in the vault); the identity's address is this key's address.
import { addressOfPublicKey } from '@/protocol/address';
import { toHex } from '@/protocol/bytes';
import { hashMessage } from '@/protocol/hash';
import { publicKeyOf, randomSecretKey, signDigest, walletSignatureBytes } from '@/protocol/signature';
import type { Signer } from '@/extension/wallet/signer';

export function createLocalWallet(secretKey: Uint8Array = randomSecretKey()): Signer & { address: string } {
  const address = addressOfPublicKey(publicKeyOf(secretKey));
  return {
    address,
    getAddress: async () => address,
    signMessage: async (text) => '0x' + toHex(walletSignatureBytes(signDigest(secretKey, hashMessage(text)))),
  };
}
