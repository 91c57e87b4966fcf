// A fresh viem wallet in the shape xmtp-js and our client take as a signer (raw bytes signed as EIP-191 too).
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

export function viemWallet() {
  const account = privateKeyToAccount(generatePrivateKey());
  return {
    address: account.address,
    getAddress: async () => account.address,
    signMessage: (message: string | Uint8Array) =>
      account.signMessage({ message: typeof message === 'string' ? message : { raw: message } }),
  };
}
