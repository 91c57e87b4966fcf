// Test wallets: real secp256k1 keys through viem, shaped as our Signer (and xmtp-js's).
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import type { Signer } from '@/protocol/identity';

export function newWallet(privateKey: `0x${string}` = generatePrivateKey()): Signer & { address: string } {
  const account = privateKeyToAccount(privateKey);
  return {
    address: account.address,
    getAddress: async () => account.address,
    signMessage: (message: string) => account.signMessage({ message }),
  };
}

/** A wallet that answers with v = 0/1 like Ledger (§3.4). */
export function asLedger(wallet: Signer): Signer {
  return {
    getAddress: () => wallet.getAddress(),
    signMessage: async (message) => {
      const sig = await wallet.signMessage(message);
      const v = parseInt(sig.slice(-2), 16);
      return sig.slice(0, -2) + (v - 27).toString(16).padStart(2, '0');
    },
  };
}
