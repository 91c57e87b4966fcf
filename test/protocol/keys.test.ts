import { describe, expect, it } from 'vitest';
import { addressOfPublicKey, isAddress, toChecksumAddress } from '@/protocol/address';
import { fromHex, toHex, utf8 } from '@/protocol/bytes';
import { hashMessage, hkdfSha256, hmacSha256, keccak256, sha256 } from '@/protocol/hash';
import { createPrivateKeyBundle } from '@/protocol/identity';
import {
  createIdentityText,
  decodeLegacyPrivateKey,
  legacyKeyBytesToSign,
  legacyKeyWalletAddress,
  signedKeyWalletAddress,
  toLegacyPublicKey,
  toSignedPublicKey,
} from '@/protocol/keys';
import {
  parseWalletSignature,
  recoverPublicKey,
  recoverWalletAddress,
  signDigest,
  verifyDigest,
  walletSignatureBytes,
} from '@/protocol/signature';
import { asLedger, newWallet } from './helpers';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe('hashes', () => {
  it('computes keccak256, sha256 and EIP-191 hashes of known inputs', () => {
    expect(toHex(keccak256(new Uint8Array()))).toBe(
      'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    );
    expect(toHex(sha256(utf8('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    // viem hashMessage('hello world')
    expect(toHex(hashMessage('hello world'))).toBe(
      'd9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68',
    );
  });

  it('computes RFC 4231 HMAC and RFC 5869 HKDF test vectors', () => {
    expect(toHex(hmacSha256(new Uint8Array(20).fill(0x0b), utf8('Hi There')))).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
    const okm = hkdfSha256(
      new Uint8Array(22).fill(0x0b),
      fromHex('000102030405060708090a0b0c'),
      fromHex('f0f1f2f3f4f5f6f7f8f9'),
      42,
    );
    expect(toHex(okm)).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });
});

describe('addresses (§3.1)', () => {
  it('derives the address of a public key', () => {
    const pub = fromHex(
      '04836b35a026743e823a90a0ee3b91bf615c6a757e2b60b9e1dc1826fd0dd16106f7bc1e8179f665015f43c6c81f39062fc2086ed849625c06e04697698b21855e',
    );
    expect(addressOfPublicKey(pub)).toBe('0x0BED7ABd61247635c1973eB38474A2516eD1D884');
  });

  it('checksums, validates and rejects a bad checksum', () => {
    expect(toChecksumAddress('0x0bed7abd61247635c1973eb38474a2516ed1d884')).toBe(
      '0x0BED7ABd61247635c1973eB38474A2516eD1D884',
    );
    expect(isAddress('0x0BED7ABd61247635c1973eB38474A2516eD1D884')).toBe(true);
    expect(isAddress('0x0BED7ABd61247635c1973eB38474A2516eD1D885'.replace('D885', 'd885'))).toBe(false);
    expect(() => toChecksumAddress('0x0bED7ABd61247635c1973eB38474A2516eD1D884')).toThrow(
      expect.objectContaining({ code: 'invalid_address' }),
    );
    expect(() => toChecksumAddress('0x123')).toThrow(expect.objectContaining({ code: 'invalid_address' }));
  });
});

describe('signatures (§3.1, §3.4)', () => {
  it('signs low-S, verifies strictly and rejects the high-S twin', () => {
    const secret = sha256(utf8('secret'));
    const digest = sha256(utf8('message'));
    const sig = signDigest(secret, digest);
    const pub = recoverPublicKey(digest, sig);
    expect(verifyDigest(pub, digest, sig.bytes)).toBe(true);
    const s = BigInt('0x' + toHex(sig.bytes.subarray(32)));
    expect(s < N / 2n).toBe(true);
    const high = new Uint8Array(sig.bytes);
    high.set(fromHex((N - s).toString(16).padStart(64, '0')), 32);
    expect(verifyDigest(pub, digest, high)).toBe(false);
  });

  it('reads wallet signatures with v = 27/28 and 0/1 alike', async () => {
    const wallet = newWallet();
    const text = 'XMTP test';
    const normal = parseWalletSignature(await wallet.signMessage(text));
    const ledger = parseWalletSignature(await asLedger(wallet).signMessage(text));
    expect(ledger).toEqual(normal);
    expect(recoverWalletAddress(text, normal)).toBe(wallet.address);
    expect(walletSignatureBytes(normal)[64]).toBe(27 + normal.recovery);
    expect(() => parseWalletSignature('0x1234')).toThrow(
      expect.objectContaining({ code: 'invalid_wallet_signature' }),
    );
  });

  it('recovers the node-side static wallet vector (TestStaticWalletVerify)', () => {
    const message = fromHex(
      '584d5450203a20437265617465204964656e746974790a30386234383862366238393133303161343330613431303466393863343937346435343433623538303231626430363233643866663532336564643533616666613532386230353130373561373231393563666435363132626263323737623466323935333561623336663335393565386339356631373830646437646563643731383133373534356237373835396663373338333664380a0a466f72206d6f726520696e666f3a2068747470733a2f2f786d74702e6f72672f7369676e6174757265732f',
    );
    const bytes = fromHex(
      'b6c023b2f93db3f51c392f8b9019ff2a4f19b30cac6b61f8356f027431332173043c8e0553d87740745a953d437d64a747865c4c28938d3fbbe10f961fd05b8f',
    );
    expect(recoverWalletAddress(message, { bytes, recovery: 0 })).toBe(
      '0x9727188932c3f9a218e8Fc9D8744b1B8b751Abfc',
    );
  });
});

describe('keys (§3.2–§3.6)', () => {
  const KEY =
    '08aaa9dad3ed2f12220a206fd789a6ee2376bb6595b4ebace57c7a79e6e4f1f12c8416d611399eda6c74cb1a4c08aaa9dad3ed2f1a430a4104e208133ea0973a9968fe5362e5ac0a8bbbe2aa16d796add31f3d027a1b894389873d7f282163bceb1fc3ca60d589d1e667956c40fed4cdaa7edc1392d2100b8a';

  it('builds the exact Create Identity text of a known key and its address', () => {
    const key = decodeLegacyPrivateKey(fromHex(KEY));
    expect(key.timestampMs).toBe(1644342711466n);
    expect(createIdentityText(legacyKeyBytesToSign(key.publicKey))).toBe(
      'XMTP : Create Identity\n08aaa9dad3ed2f1a430a4104e208133ea0973a9968fe5362e5ac0a8bbbe2aa16d796add31f3d027a1b894389873d7f282163bceb1fc3ca60d589d1e667956c40fed4cdaa7edc1392d2100b8a\n\nFor more info: https://xmtp.org/signatures/',
    );
    expect(addressOfPublicKey(key.publicKey.publicKey)).toBe('0xA7EAAF8a45bA462F9311967F079891F5cd610490');
  });

  it('creates a bundle whose identity key recovers to the wallet, also from a Ledger-style wallet', async () => {
    const wallet = newWallet();
    const bundle = await createPrivateKeyBundle(asLedger(wallet));
    expect(bundle.identityKey.publicKey.signature!.kind).toBe('ecdsa_compact');
    expect(legacyKeyWalletAddress(bundle.identityKey.publicKey)).toBe(wallet.address);
  });

  it('accepts a V1 identity key whose wallet signature sits in wallet_ecdsa_compact (Flutter clients)', async () => {
    const wallet = newWallet();
    const key = (await createPrivateKeyBundle(wallet)).identityKey.publicKey;
    const moved = { ...key, signature: { ...key.signature!, kind: 'wallet_ecdsa_compact' as const } };
    expect(legacyKeyWalletAddress(moved)).toBe(wallet.address);
  });

  it('recovers another address when a wallet signature is transplanted onto another key', async () => {
    const a = (await createPrivateKeyBundle(newWallet())).identityKey.publicKey;
    const b = (await createPrivateKeyBundle(newWallet())).identityKey.publicKey;
    const transplanted = { ...a, signature: b.signature! };
    expect(legacyKeyWalletAddress(transplanted)).not.toBe(legacyKeyWalletAddress(a));
    expect(legacyKeyWalletAddress(transplanted)).not.toBe(legacyKeyWalletAddress(b));
  });

  it('converts V1 → V2 → V1: key bytes equal the V1 bytesToSign, wallet signature moves kinds', async () => {
    const wallet = newWallet();
    const bundle = await createPrivateKeyBundle(wallet);
    const v1 = bundle.identityKey.publicKey;
    const v2 = toSignedPublicKey(v1, true);
    expect(toHex(v2.keyBytes)).toBe(toHex(legacyKeyBytesToSign(v1)));
    expect(v2.signature.kind).toBe('wallet_ecdsa_compact');
    expect(signedKeyWalletAddress(v2)).toBe(wallet.address);
    expect(toLegacyPublicKey(v2)).toEqual(v1);
    expect(() => signedKeyWalletAddress(toSignedPublicKey(v1, false))).toThrow(
      expect.objectContaining({ code: 'key_not_wallet_signed' }),
    );
  });
});
