// The wallet behind the CLI: a secp256k1 private key held in a file or given in hex, signing
// personal_sign (EIP-191) messages as wallets do (docs/protocol.md §3.4): 0x r‖s‖v with v = 27/28.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { addressOfPublicKey } from '@/protocol/address';
import { fromHex, toHex } from '@/protocol/bytes';
import { hashMessage } from '@/protocol/hash';
import { publicKeyOf, randomSecretKey, signDigest, walletSignatureBytes } from '@/protocol/signature';
import { UsageError, type KeySource } from './args';

/** What Client.create asks of a wallet (docs/client-api.md §1.1). */
export interface WalletSigner {
  getAddress(): Promise<string>;
  signMessage(text: string): Promise<string>;
}

export interface Wallet extends WalletSigner {
  readonly address: string;
}

export function walletFromSecretKey(secretKey: Uint8Array): Wallet {
  const address = addressOfPublicKey(publicKeyOf(secretKey));
  return {
    address,
    getAddress: async () => address,
    signMessage: async (text: string) =>
      '0x' + toHex(walletSignatureBytes(signDigest(secretKey, hashMessage(text)))),
  };
}

/** Reads, or for `create` makes (mode 0600, never overwriting), the wallet key a KeySource names. */
export async function loadWallet(source: KeySource): Promise<{ wallet: Wallet; created: boolean }> {
  switch (source.kind) {
    case 'hex':
      return { wallet: walletFromSecretKey(fromHex(source.hex)), created: false };
    case 'file': {
      let text: string;
      try {
        text = await readFile(source.path, 'utf8');
      } catch (e) {
        throw new UsageError(
          `cannot read --key-file ${source.path}: ${(e as NodeJS.ErrnoException).code ?? e}`,
        );
      }
      const hex = text.trim().replace(/^0x/i, '');
      if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
        throw new UsageError(`invalid --key-file ${source.path}: expected a 32-byte key as 64 hex digits`);
      }
      return { wallet: walletFromSecretKey(fromHex(hex)), created: false };
    }
    case 'create': {
      const secretKey = randomSecretKey();
      try {
        // 'wx': an existing file (perhaps someone's only copy of a key) is never overwritten.
        await writeFile(source.path, `0x${toHex(secretKey)}\n`, { mode: 0o600, flag: 'wx' });
        await chmod(source.path, 0o600); // the mode above is subject to umask
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new UsageError(
          code === 'EEXIST'
            ? `--create-key ${source.path}: file exists (use --key-file to use it)`
            : `cannot write --create-key ${source.path}: ${code ?? e}`,
        );
      }
      return { wallet: walletFromSecretKey(secretKey), created: true };
    }
    case 'none':
      throw new UsageError('a wallet key is needed: --key HEX, --key-file FILE or --create-key FILE');
  }
}
