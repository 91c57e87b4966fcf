// Both secp256k1 engines (libsecp256k1 in WebAssembly, noble) on fixed known answers and on 10,000 random
// inputs, the strictness rules they share, the choice of engine at start and the fallback when the binary
// cannot be used.
import { readFile } from 'node:fs/promises';
import * as noble from '@noble/secp256k1';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initNodeSecp256k1, secp256k1WasmPath } from '@/client/node/secp256k1-wasm';
import { fromHex, toHex, utf8 } from '@/protocol/bytes';
import { sha256 } from '@/protocol/hash';
import {
  createWasmSecp256k1,
  nobleSecp256k1,
  secp256k1,
  secp256k1Status,
  type Secp256k1Backend,
} from '@/protocol/secp256k1';
import { recoverPublicKey, signDigest, verifyDigest, verifierFor } from '@/protocol/signature';
import { sharedPoint } from '@/protocol/ecdh';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const scalar = (n: bigint) => fromHex(n.toString(16).padStart(64, '0'));
const point = (x: string, y: string) => fromHex('04' + x + y);
const G = point(
  '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
  '483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8',
);
const G2 = point(
  'c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5',
  '1ae168fea63dc339a3c58419466ceaeef7f632653266d0e1236431a950cfe52a',
);
const G3 = point(
  'f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9',
  '388f7b0f632de8140fe337e62a37f3566500a99934c2231b6cb9fd7584b8e672',
);
/** s ↦ n − s: the high-S twin of a signature, valid under non-strict rules only. */
function highS(signature: Uint8Array): Uint8Array {
  const out = new Uint8Array(signature);
  out.set(scalar(N - BigInt('0x' + toHex(signature.subarray(32)))), 32);
  return out;
}
const random = (length: number) => crypto.getRandomValues(new Uint8Array(length));

let wasm: Secp256k1Backend;
let engines: Secp256k1Backend[];

beforeAll(async () => {
  wasm = await createWasmSecp256k1(await readFile(secp256k1WasmPath()));
  engines = [wasm, nobleSecp256k1];
});

describe('choosing the engine', () => {
  it('loads libsecp256k1 in Node and routes signature.ts and ecdh.ts through it', async () => {
    expect(await initNodeSecp256k1()).toEqual({ backend: 'libsecp256k1-wasm' });
    expect(secp256k1Status()).toEqual({ backend: 'libsecp256k1-wasm' });
    expect(secp256k1().name).toBe('libsecp256k1-wasm');
    // A second call gives the first outcome: the engine is chosen once.
    expect(await initNodeSecp256k1()).toEqual({ backend: 'libsecp256k1-wasm' });
  });

  it('keeps noble, and says why, when the binary cannot be loaded or is not WebAssembly', async () => {
    vi.resetModules();
    const fresh = await import('@/protocol/secp256k1');
    expect(fresh.secp256k1Status()).toEqual({ backend: 'noble', fallbackReason: 'libsecp256k1 not loaded' });
    const status = await fresh.initSecp256k1(() => {
      throw new Error('secp256k1.wasm: no such file');
    });
    expect(status).toEqual({ backend: 'noble', fallbackReason: 'secp256k1.wasm: no such file' });
    expect(fresh.secp256k1().name).toBe('noble');

    vi.resetModules();
    const other = await import('@/protocol/secp256k1');
    const garbage = await other.initSecp256k1(() => utf8('not a wasm module'));
    expect(garbage.backend).toBe('noble');
    expect(garbage.fallbackReason).toMatch(/\S/);
    // Signing still works, on noble, with the same bytes.
    const key = sha256(utf8('key'));
    const digest = sha256(utf8('digest'));
    expect(other.secp256k1().sign(key, digest)).toEqual(wasm.sign(key, digest));
  });
});

describe('known answers, on both engines', () => {
  it('derives the public keys of 1, 2 and 3 and multiplies points (ECDH)', () => {
    for (const e of engines) {
      expect(toHex(e.publicKey(scalar(1n))), e.name).toBe(toHex(G));
      expect(toHex(e.publicKey(scalar(2n))), e.name).toBe(toHex(G2));
      expect(toHex(e.publicKey(scalar(3n))), e.name).toBe(toHex(G3));
      expect(toHex(e.ecdh(scalar(2n), G)!), e.name).toBe(toHex(G2));
      expect(toHex(e.ecdh(scalar(3n), G)!), e.name).toBe(toHex(G3));
      // 2·(3G) = 3·(2G) = 6G; (n − 1)·G = −G.
      expect(toHex(e.ecdh(scalar(2n), G3)!), e.name).toBe(toHex(e.publicKey(scalar(6n))));
      expect(toHex(e.ecdh(scalar(3n), G2)!), e.name).toBe(toHex(e.publicKey(scalar(6n))));
      expect(toHex(e.publicKey(scalar(N - 1n)).subarray(1, 33)), e.name).toBe(toHex(G.subarray(1, 33)));
    }
  });

  it('signs sha256("Satoshi Nakamoto") with key 1 to the published RFC 6979 signature', () => {
    // The widely used RFC 6979 secp256k1 vector (python-ecdsa, trezor-crypto), low-S.
    const digest = sha256(utf8('Satoshi Nakamoto'));
    const expected =
      '934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8' +
      '2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5';
    for (const e of engines) {
      const signature = e.sign(scalar(1n), digest);
      expect(toHex(signature.bytes), e.name).toBe(expected);
      expect(e.verify(G, digest, signature.bytes), e.name).toBe(true);
      expect(toHex(e.recover(digest, signature.bytes, signature.recovery)!), e.name).toBe(toHex(G));
      expect(e.recover(digest, signature.bytes, 1 - signature.recovery), e.name).not.toEqual(G);
    }
  });

  it('rejects high-S, r or s out of range, keys off the curve or not uncompressed, wrong lengths', () => {
    const key = sha256(utf8('strict'));
    const digest = sha256(utf8('message'));
    const publicKey = nobleSecp256k1.publicKey(key);
    const { bytes, recovery } = nobleSecp256k1.sign(key, digest);
    const off = new Uint8Array(publicKey);
    off[64]! ^= 1;
    const hybrid = new Uint8Array(publicKey);
    hybrid[0] = 6 + (publicKey[64]! & 1); // SEC1 "hybrid": libsecp256k1 parses it, XMTP never sends it
    const compressed = noble.getPublicKey(key, true);
    const rN = new Uint8Array(bytes);
    rN.set(scalar(N), 0);
    const sN = new Uint8Array(bytes);
    sN.set(scalar(N), 32);
    for (const e of engines) {
      const name = e.name;
      expect(e.verify(publicKey, digest, bytes), name).toBe(true);
      expect(noble.verify(highS(bytes), digest, publicKey, { prehash: false, lowS: false })).toBe(true);
      expect(e.verify(publicKey, digest, highS(bytes)), name).toBe(false);
      expect(e.verify(publicKey, digest, new Uint8Array(64)), name).toBe(false);
      expect(e.verify(publicKey, digest, rN), name).toBe(false);
      expect(e.verify(publicKey, digest, sN), name).toBe(false);
      expect(e.verify(off, digest, bytes), name).toBe(false);
      expect(e.verify(hybrid, digest, bytes), name).toBe(false);
      expect(e.verify(compressed, digest, bytes), name).toBe(false);
      expect(e.verify(publicKey, digest.subarray(1), bytes), name).toBe(false);
      expect(e.verify(publicKey, digest, bytes.subarray(1)), name).toBe(false);
      // Recovery takes any s in range (it proves nothing on its own); r or s of 0 or ≥ n give nothing.
      expect(e.recover(digest, highS(bytes), 1 - recovery), name).toEqual(publicKey);
      expect(e.recover(digest, rN, recovery), name).toBeUndefined();
      expect(e.recover(digest, sN, recovery), name).toBeUndefined();
      expect(e.recover(digest, new Uint8Array(64), recovery), name).toBeUndefined();
      expect(e.recover(digest, bytes, 2), name).toBeUndefined();
      expect(e.ecdh(key, off), name).toBeUndefined();
      expect(e.ecdh(key, hybrid), name).toBeUndefined();
      expect(e.ecdh(key, compressed), name).toBeUndefined();
      expect(e.ecdh(new Uint8Array(32), publicKey), name).toBeUndefined();
      expect(e.ecdh(scalar(N), publicKey), name).toBeUndefined();
      expect(e.ecdh(key.subarray(1), publicKey), name).toBeUndefined();
    }
    // Thousands of rejected inputs leave the WebAssembly instance sound.
    for (let i = 0; i < 5000; i++) {
      expect(wasm.verify(off, digest, bytes)).toBe(false);
      expect(wasm.recover(digest, rN, 0)).toBeUndefined();
    }
    expect(wasm.verify(publicKey, digest, bytes)).toBe(true);
  });
});

describe('the engines agree on 10,000 random inputs (2,500 per operation)', () => {
  const ROUNDS = 2500;
  const same = (label: string, f: (e: Secp256k1Backend) => unknown) => {
    const [a, b] = engines.map(f);
    expect(a, label).toEqual(b);
    return a;
  };

  it('signs: same r‖s and recovery id', { timeout: 120_000 }, () => {
    for (let i = 0; i < ROUNDS; i++) {
      const key = noble.utils.randomSecretKey();
      const digest = random(32);
      const label = `key ${toHex(key)} digest ${toHex(digest)}`;
      same(label, (e) => e.publicKey(key));
      const signature = same(label, (e) => e.sign(key, digest)) as { bytes: Uint8Array; recovery: number };
      expect(signature.recovery === 0 || signature.recovery === 1, label).toBe(true);
      // low-S
      expect(BigInt('0x' + toHex(signature.bytes.subarray(32))) <= N >> 1n, label).toBe(true);
    }
  });

  it(
    'verifies: good, high-S, wrong digest, wrong key and random signatures alike',
    { timeout: 120_000 },
    () => {
      const key = noble.utils.randomSecretKey();
      const publicKey = nobleSecp256k1.publicKey(key);
      const other = nobleSecp256k1.publicKey(noble.utils.randomSecretKey());
      for (let i = 0; i < ROUNDS; i++) {
        const digest = random(32);
        const good = wasm.sign(key, digest).bytes;
        const [pk, d, sig, expected] = [
          [publicKey, digest, good, true],
          [publicKey, digest, highS(good), false],
          [publicKey, random(32), good, false],
          [other, digest, good, false],
          [publicKey, digest, random(64), false],
        ][i % 5] as [Uint8Array, Uint8Array, Uint8Array, boolean];
        const label = `${toHex(pk)} ${toHex(d)} ${toHex(sig)}`;
        expect(
          same(label, (e) => e.verify(pk, d, sig)),
          label,
        ).toBe(expected);
      }
    },
  );

  it(
    'recovers: the signer from real signatures, the same point (or none) from random ones',
    { timeout: 120_000 },
    () => {
      let some = 0;
      for (let i = 0; i < ROUNDS; i++) {
        const digest = random(32);
        if (i % 2 === 0) {
          const key = noble.utils.randomSecretKey();
          const { bytes, recovery } = nobleSecp256k1.sign(key, digest);
          const label = `${toHex(key)} ${toHex(digest)}`;
          expect(
            same(label, (e) => e.recover(digest, bytes, recovery)),
            label,
          ).toEqual(nobleSecp256k1.publicKey(key));
        } else {
          const signature = random(64);
          const recovery = i % 4 === 1 ? 0 : 1;
          const label = `${toHex(digest)} ${toHex(signature)} ${recovery}`;
          if (same(label, (e) => e.recover(digest, signature, recovery))) some++;
        }
      }
      // About half of random r are x-coordinates of a point, so both kinds of answer were compared.
      expect(some).toBeGreaterThan(ROUNDS / 8);
      expect(some).toBeLessThan((ROUNDS * 3) / 8);
    },
  );

  it('computes ECDH: the same shared point, and nothing for random bytes', { timeout: 120_000 }, () => {
    for (let i = 0; i < ROUNDS; i++) {
      const a = noble.utils.randomSecretKey();
      const b = noble.utils.randomSecretKey();
      const B = i % 10 === 9 ? Uint8Array.of(4, ...random(64)) : nobleSecp256k1.publicKey(b);
      const label = `${toHex(a)} ${toHex(B)}`;
      const shared = same(label, (e) => e.ecdh(a, B));
      if (i % 10 !== 9) expect(shared, label).toEqual(wasm.ecdh(b, wasm.publicKey(a)));
    }
  });
});

describe('signature.ts and ecdh.ts on the chosen engine', () => {
  it('gives byte-identical RFC 6979 low-S signatures and recovery ids to noble', async () => {
    await initNodeSecp256k1();
    for (let i = 0; i < 60; i++) {
      const key = noble.utils.randomSecretKey();
      const digest = sha256(new Uint8Array([i, 7]));
      const ref = noble.sign(digest, key, { prehash: false, format: 'recovered' });
      const ours = signDigest(key, digest);
      expect(ours.recovery).toBe(ref[0]);
      expect(toHex(ours.bytes)).toBe(toHex(ref.subarray(1)));
      const publicKey = noble.getPublicKey(key, false);
      expect(verifyDigest(publicKey, digest, ours.bytes)).toBe(true);
      expect(verifierFor(publicKey, ours.bytes)(digest)).toBe(true);
      expect(verifierFor(publicKey, ours.bytes)(sha256(digest))).toBe(false);
      expect(recoverPublicKey(digest, ours)).toEqual(publicKey);
      const peer = noble.utils.randomSecretKey();
      expect(sharedPoint(key, noble.getPublicKey(peer, false))).toEqual(
        noble.getSharedSecret(key, noble.getPublicKey(peer, false), false),
      );
    }
  });

  it('rejects an out-of-range key, a digest of the wrong length and a point off the curve', () => {
    expect(() => signDigest(new Uint8Array(32), new Uint8Array(32))).toThrow(
      expect.objectContaining({ code: 'invalid_private_key' }),
    );
    expect(() => signDigest(scalar(N), new Uint8Array(32))).toThrow(
      expect.objectContaining({ code: 'invalid_private_key' }),
    );
    expect(() => signDigest(noble.utils.randomSecretKey(), new Uint8Array(31))).toThrow(
      expect.objectContaining({ code: 'invalid_digest' }),
    );
    const off = new Uint8Array(G);
    off[64]! ^= 1;
    expect(() => sharedPoint(scalar(2n), off)).toThrow(
      expect.objectContaining({ code: 'invalid_public_key' }),
    );
    expect(() => recoverPublicKey(new Uint8Array(32), { bytes: new Uint8Array(64), recovery: 0 })).toThrow(
      expect.objectContaining({ code: 'invalid_signature' }),
    );
  });
});
