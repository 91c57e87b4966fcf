// A wallet with a fresh random key, in the shape xmtp-js 13's Client.create takes (a viem account behind it):
// the e2e and interop tests' peers.
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

export function randomXmtpJsWallet() {
  const account = privateKeyToAccount(generatePrivateKey());
  return {
    getAddress: async () => account.address,
    signMessage: (message: string | Uint8Array) =>
      account.signMessage({ message: typeof message === 'string' ? message : { raw: message } }),
  };
}
