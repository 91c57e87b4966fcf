import * as secp from '@noble/secp256k1';
import { describe, expect, it } from 'vitest';
import {
  ecdhUncompressed,
  invert,
  prepareVerification,
  recoverUncompressed,
  verifyCompact,
} from '@/protocol/curve';
import { sha256 } from '@/protocol/hash';
import { signDigest } from '@/protocol/signature';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

describe('fast secp256k1 arithmetic agrees with noble', () => {
  it('inverts modulo p and n like noble, at random and at the edges', () => {
    const random = () => BigInt('0x' + Buffer.from(secp.utils.randomSecretKey()).toString('hex'));
    const edges = [1n, 2n, 3n, 0xffffn, 1n << 47n, (1n << 48n) + 1n, 1n << 200n, (1n << 255n) - 1n];
    for (const m of [P, N]) {
      const values = [...edges, m - 1n, m - 2n, m + 5n, -7n, ...Array.from({ length: 2000 }, random)];
      for (const x of values) {
        if (x % m === 0n) continue;
        const inverse = invert(x, m);
        expect(inverse, `${x} mod ${m}`).toBe(secp.etc.invert(x, m));
        expect((((x % m) + m) * inverse) % m).toBe(1n);
      }
      expect(() => invert(m, m)).toThrow('no inverse');
      expect(() => invert(0n, m)).toThrow('no inverse');
    }
  });

  it('computes the same ECDH points, verifications and recoveries for random keys', () => {
    for (let i = 0; i < 40; i++) {
      const a = secp.utils.randomSecretKey();
      const b = secp.utils.randomSecretKey();
      const A = secp.getPublicKey(a, false);
      const B = secp.getPublicKey(b, false);
      expect(ecdhUncompressed(a, B)).toEqual(secp.getSharedSecret(a, B, false));
      const digest = sha256(new Uint8Array([i]));
      const sig = signDigest(a, digest);
      expect(verifyCompact(A, digest, sig.bytes)).toBe(true);
      expect(verifyCompact(B, digest, sig.bytes)).toBe(false);
      expect(recoverUncompressed(digest, sig.bytes, sig.recovery)).toEqual(A);
    }
  });

  it('verifies in two steps (prekey half first, digest later) exactly as in one', () => {
    for (let i = 0; i < 40; i++) {
      const a = secp.utils.randomSecretKey();
      const A = secp.getPublicKey(a, false);
      const B = secp.getPublicKey(secp.utils.randomSecretKey(), false);
      const digest = sha256(new Uint8Array([i, 7]));
      const other = sha256(new Uint8Array([i, 8]));
      const sig = signDigest(a, digest).bytes;
      expect(prepareVerification(A, sig)!(digest)).toBe(true);
      expect(prepareVerification(A, sig)!(other)).toBe(verifyCompact(A, other, sig));
      expect(prepareVerification(B, sig)!(digest)).toBe(false);
      expect(prepareVerification(A, sig)!(digest.subarray(1))).toBe(false);
    }
    // A digest of 0 mod n leaves only the prekey half: r = x(u2·Q) must still be checked, not assumed.
    const a = secp.utils.randomSecretKey();
    const A = secp.getPublicKey(a, false);
    const zero = new Uint8Array(32);
    const sig = signDigest(a, zero).bytes;
    expect(prepareVerification(A, sig)!(zero)).toBe(verifyCompact(A, zero, sig));
    expect(prepareVerification(A, sig)!(zero)).toBe(true);
    // Whatever the signature or key alone rules out is ruled out before any digest.
    const high = new Uint8Array(sig);
    high.set(
      Buffer.from(
        (N - BigInt('0x' + Buffer.from(sig.subarray(32)).toString('hex'))).toString(16).padStart(64, '0'),
        'hex',
      ),
      32,
    );
    expect(prepareVerification(A, high)).toBeUndefined();
    expect(prepareVerification(A, sig.subarray(1))).toBeUndefined();
    expect(prepareVerification(new Uint8Array(65), sig)).toBeUndefined();
  });

  it('rejects high-S, out-of-range signatures and points off the curve', () => {
    const a = secp.utils.randomSecretKey();
    const A = secp.getPublicKey(a, false);
    const digest = sha256(new Uint8Array([1]));
    const sig = signDigest(a, digest);
    const s = BigInt('0x' + Buffer.from(sig.bytes.subarray(32)).toString('hex'));
    const high = new Uint8Array(sig.bytes);
    high.set(Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex'), 32);
    expect(secp.verify(high, digest, A, { prehash: false, lowS: false })).toBe(true);
    expect(verifyCompact(A, digest, high)).toBe(false);
    expect(verifyCompact(A, digest, new Uint8Array(64))).toBe(false);
    const off = new Uint8Array(A);
    off[64]! ^= 1;
    expect(verifyCompact(off, digest, sig.bytes)).toBe(false);
    expect(ecdhUncompressed(a, off)).toBeUndefined();
    expect(ecdhUncompressed(new Uint8Array(32), A)).toBeUndefined();
  });
});

describe('signing', () => {
  it('gives byte-identical RFC 6979 low-S signatures and recovery ids to noble', () => {
    for (let i = 0; i < 60; i++) {
      const key = secp.utils.randomSecretKey();
      const digest = sha256(new Uint8Array([i, 7]));
      const ref = secp.sign(digest, key, { prehash: false, format: 'recovered' });
      const ours = signDigest(key, digest);
      expect(ours.recovery).toBe(ref[0]);
      expect(Buffer.from(ours.bytes).toString('hex')).toBe(Buffer.from(ref.subarray(1)).toString('hex'));
    }
  });

  it('rejects an out-of-range key and a digest of the wrong length', () => {
    expect(() => signDigest(new Uint8Array(32), new Uint8Array(32))).toThrow(
      expect.objectContaining({ code: 'invalid_private_key' }),
    );
    expect(() => signDigest(secp.utils.randomSecretKey(), new Uint8Array(31))).toThrow(
      expect.objectContaining({ code: 'invalid_digest' }),
    );
  });
});
