import { describe, expect, it } from 'vitest';
import { encodePrivateKeyBundleV1, encodePrivateKeyBundle } from '@/protocol/bundles';
import { fromHex, toBase64Url } from '@/protocol/bytes';
import { ciphertextToProto, encrypt } from '@/protocol/cipher';
import {
  contactBundleAddress,
  decodeContactBundle,
  encodeContactBundle,
  validateContactBundle,
} from '@/protocol/contact';
import { xmtp } from '@/protocol/gen/xmtp';
import { createPrivateKeyBundle } from '@/protocol/identity';
import { Keyring } from '@/protocol/keyring';
import {
  decryptPreferencesAction,
  encryptPreferencesAction,
  privatePreferencesTopic,
  userPreferencesIdentifier,
} from '@/protocol/preferences';
import {
  decryptPrivateKeyBundle,
  enableIdentityText,
  encryptPrivateKeyBundle,
  openPrivateKeyBundle,
  readEncryptedPrivateKeyBundle,
} from '@/protocol/private-store';
import { asLedger, newWallet } from './helpers';

import pb = xmtp.message_contents;

describe('private key bundle storage (§4)', () => {
  it('builds the exact Enable Identity text', () => {
    expect(
      enableIdentityText(fromHex('f51bd1da9ec2239723ae2cf6a9f8d0ac37546b27e634002c653d23bacfcc67ad')),
    ).toBe(
      'XMTP : Enable Identity\nf51bd1da9ec2239723ae2cf6a9f8d0ac37546b27e634002c653d23bacfcc67ad\n\nFor more info: https://xmtp.org/signatures/',
    );
  });

  it('encrypts and decrypts a bundle with the wallet, and across Ledger and MetaMask v bytes', async () => {
    const wallet = newWallet();
    const bundle = await createPrivateKeyBundle(wallet);
    const stored = await encryptPrivateKeyBundle(bundle, asLedger(wallet));
    const opened = await decryptPrivateKeyBundle(stored, wallet);
    expect(opened.needsRewrite).toBe(false);
    expect(encodePrivateKeyBundle(opened.bundle)).toEqual(encodePrivateKeyBundle(bundle));
    const back = await decryptPrivateKeyBundle(
      await encryptPrivateKeyBundle(bundle, wallet),
      asLedger(wallet),
    );
    expect(back.bundle.identityKey.secretKey).toEqual(bundle.identityKey.secretKey);
  });

  it('reads both legacy layers and asks for a rewrite', async () => {
    const wallet = newWallet();
    const bundle = await createPrivateKeyBundle(wallet);
    const walletPreKey = new Uint8Array(32).fill(7);
    const signature = await wallet.signMessage(enableIdentityText(walletPreKey));
    // Bare EncryptedPrivateKeyBundleV1 holding a bare PrivateKeyBundleV1.
    const ciphertext = await encrypt(encodePrivateKeyBundleV1(bundle), fromHex(signature));
    const legacy = pb.EncryptedPrivateKeyBundleV1.encode({
      walletPreKey,
      ciphertext: ciphertextToProto(ciphertext),
    }).finish();
    expect(readEncryptedPrivateKeyBundle(legacy).legacy).toBe(true);
    const opened = await openPrivateKeyBundle(legacy, signature);
    expect(opened.needsRewrite).toBe(true);
    expect(opened.bundle.preKeys[0]!.secretKey).toEqual(bundle.preKeys[0]!.secretKey);
  });

  it('fails with decryption_failed for another wallet', async () => {
    const bundle = await createPrivateKeyBundle(newWallet());
    const stored = await encryptPrivateKeyBundle(bundle, newWallet());
    await expect(decryptPrivateKeyBundle(stored, newWallet())).rejects.toMatchObject({
      code: 'decryption_failed',
    });
  });
});

describe('contact bundles (§3.7)', () => {
  it('encodes and decodes V1, V2 and bare legacy bundles, all naming the wallet', async () => {
    const wallet = newWallet();
    const keyring = Keyring.fromBundle(await createPrivateKeyBundle(wallet));
    const v1 = decodeContactBundle(encodeContactBundle({ version: 'v1', keyBundle: keyring.publicBundle }));
    const v2 = decodeContactBundle(encodeContactBundle({ version: 'v2', keyBundle: keyring.signedBundle }));
    const bare = decodeContactBundle(keyring.publicBundleBytes);
    expect(v1.version).toBe('v1');
    expect(v2.version).toBe('v2');
    expect(bare.version).toBe('v1');
    for (const cb of [v1, v2, bare])
      expect(validateContactBundle(cb, wallet.address.toLowerCase())).toBe(wallet.address);
  });

  it('rejects a contact bundle signed by another wallet', async () => {
    const keyring = Keyring.fromBundle(await createPrivateKeyBundle(newWallet()));
    const cb = decodeContactBundle(encodeContactBundle({ version: 'v2', keyBundle: keyring.signedBundle }));
    expect(() => validateContactBundle(cb, newWallet().address)).toThrow(
      expect.objectContaining({ code: 'contact_wallet_mismatch' }),
    );
  });

  it('rejects a contact whose prekey is not signed by its identity key, and garbage', async () => {
    const a = Keyring.fromBundle(await createPrivateKeyBundle(newWallet()));
    const b = Keyring.fromBundle(await createPrivateKeyBundle(newWallet()));
    const forged = {
      version: 'v1' as const,
      keyBundle: { identityKey: a.publicBundle.identityKey, preKey: b.publicBundle.preKey },
    };
    expect(() => contactBundleAddress(forged)).toThrow(
      expect.objectContaining({ code: 'invalid_prekey_signature' }),
    );
    expect(() => decodeContactBundle(new Uint8Array([1, 2, 3]))).toThrow(
      expect.objectContaining({
        code: 'invalid_contact_bundle',
        message: 'unknown or invalid contact bundle',
      }),
    );
  });
});

describe('private preferences (§11)', () => {
  it('derives the libxmtp topic identifier vector', () => {
    const key = new Uint8Array([
      69, 239, 223, 17, 3, 219, 126, 21, 172, 74, 55, 18, 123, 240, 246, 149, 158, 74, 183, 229, 236, 98, 133,
      184, 95, 44, 130, 35, 138, 113, 36, 211,
    ]);
    expect(userPreferencesIdentifier(key)).toBe('EBsHSM9lLmELuUVCMJ-tPE0kDcok1io9IwUO6WPC-cM');
    expect(privatePreferencesTopic(key)).toBe(
      '/xmtp/0/userpreferences-EBsHSM9lLmELuUVCMJ-tPE0kDcok1io9IwUO6WPC-cM/proto',
    );
    expect(toBase64Url(new Uint8Array([251]))).toBe('-w');
  });

  it('round-trips an action with AAD = the identity public key, and another key cannot read it', async () => {
    const bundle = await createPrivateKeyBundle(newWallet());
    const payload = await encryptPreferencesAction(bundle.identityKey, { allowAddress: ['0xabc', '0xdef'] });
    expect(await decryptPreferencesAction(bundle.identityKey, payload)).toEqual({
      allowAddress: ['0xabc', '0xdef'],
    });
    const wrongAad = {
      ...bundle.identityKey,
      publicKey: { ...bundle.identityKey.publicKey, publicKey: new Uint8Array(65) },
    };
    await expect(decryptPreferencesAction(wrongAad, payload)).rejects.toMatchObject({
      code: 'decryption_failed',
    });
  });
});
