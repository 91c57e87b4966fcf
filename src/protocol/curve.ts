// Fast secp256k1 point arithmetic for the hot paths (verify, recover, ECDH), on bigint Jacobian
// coordinates with the GLV endomorphism and width-5 wNAF. noble-secp256k1 3.x dropped the
// endomorphism and uses complete projective formulas for every point, which made ECDH and
// verification about twice as slow as noble 1.7 (what xmtp-js uses); measured in test/bench/protocol.ts.
// noble still does key generation, signing (fixed-base, precomputed) and input validation.
// Verification and recovery work on public data with wNAF; ECDH (secret scalars) uses a regular
// recoding with a fixed sequence of point operations. Like noble's, this is not constant-time at the
// bigint level: JavaScript cannot promise that.
import * as secp from '@noble/secp256k1';
import { toHex } from './bytes';
import { BoundedMemo } from './memo';

const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;
// Endomorphism φ(x, y) = (β·x, y) = λ·(x, y), and the lattice basis that splits k = k1 + k2·λ.
const BETA = 0x7ae96a2b657c07106e64479eac3434e99cf0497512f58995c1396c28719501een;
const A1 = 0x3086d221a7d46bcde86c90e49284eb15n;
const B1 = -0xe4437ed6010e88286f547fa90abfe4c3n;
const A2 = 0x114ca50f7a8e2f3f657c1108d9d44cfd8n;
const B2 = A1;
const POW_2_128 = 1n << 128n;
const SQRT_EXP = (P + 1n) / 4n;

function bitLength(x: bigint): number {
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0]!, 16)));
}

// Lehmer's window: the leading 48 bits of both remainders. The inner loop's cofactors stay below 2⁴⁸ in
// magnitude (Knuth, TAOCP vol. 2, §4.5.2, Algorithm L), so every product and sum stays below 2⁵⁰ and is exact
// in a double, and a floor of a quotient of two such integers cannot round across an integer.
const LEHMER_BITS = 48;

/**
 * a⁻¹ mod m (m prime, a ≢ 0 mod m) by Lehmer's extended Euclidean algorithm: runs of quotients come from the
 * leading bits in plain numbers and are applied to the bigints as one 2×2 step, so there are about a tenth of
 * the bigint divisions of the schoolbook algorithm (noble's `etc.invert`). About 3× faster here, and the
 * inversions are a quarter of a signature's cost.
 */
export function invert(a: bigint, m: bigint): bigint {
  // Invariant: u ≡ t0·a and v ≡ t1·a (mod m).
  let u = m;
  let v = a % m;
  if (v < 0n) v += m;
  let t0 = 0n;
  let t1 = 1n;
  while (v !== 0n) {
    const bits = bitLength(u);
    if (bits <= LEHMER_BITS) {
      // Both remainders fit in a double: finish with plain quotients.
      let uu = Number(u);
      let vv = Number(v);
      while (vv !== 0) {
        const q = Math.floor(uu / vv);
        [uu, vv] = [vv, uu - q * vv];
        [t0, t1] = [t1, t0 - BigInt(q) * t1];
      }
      u = BigInt(uu);
      break;
    }
    const shift = BigInt(bits - LEHMER_BITS);
    let uh = Number(u >> shift);
    let vh = Number(v >> shift);
    let A = 1;
    let B = 0;
    let C = 0;
    let D = 1;
    // The quotient is certain when both ends of its possible range agree (Collins' condition).
    while (vh + C !== 0 && vh + D !== 0) {
      const q = Math.floor((uh + A) / (vh + C));
      if (q !== Math.floor((uh + B) / (vh + D))) break;
      [A, C] = [C, A - q * C];
      [B, D] = [D, B - q * D];
      [uh, vh] = [vh, uh - q * vh];
    }
    if (B === 0) {
      // No certain quotient from the leading bits: one schoolbook step.
      const q = u / v;
      [u, v] = [v, u - q * v];
      [t0, t1] = [t1, t0 - q * t1];
    } else {
      const [a1, b1, c1, d1] = [BigInt(A), BigInt(B), BigInt(C), BigInt(D)];
      [u, v] = [a1 * u + b1 * v, c1 * u + d1 * v];
      [t0, t1] = [a1 * t0 + b1 * t1, c1 * t0 + d1 * t1];
    }
  }
  if (u !== 1n) throw new Error('invert: no inverse');
  t0 %= m;
  return t0 < 0n ? t0 + m : t0;
}
const MASK_256 = (1n << 256n) - 1n;
const C = 0x1000003d1n; // P = 2²⁵⁶ − C
/** x mod P for 0 ≤ x < 2⁵¹²: folding the high half twice beats bigint `%` by about a quarter. */
const red = (x: bigint): bigint => {
  x = (x >> 256n) * C + (x & MASK_256);
  x = (x >> 256n) * C + (x & MASK_256);
  return x >= P ? x - P : x;
};
const sub = (a: bigint, b: bigint): bigint => (a >= b ? a - b : a - b + P);
// Small multiples by additions: a bigint add and compare cost a fraction of a multiply and `red`.
const addP = (a: bigint, b: bigint): bigint => {
  const t = a + b;
  return t >= P ? t - P : t;
};
const dbl = (a: bigint): bigint => addP(a, a);
const modN = (a: bigint): bigint => {
  const r = a % N;
  return r >= 0n ? r : r + N;
};

function powP(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = base % P;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) result = red(result * b);
    b = red(b * b);
  }
  return result;
}

/** Jacobian point (X/Z², Y/Z³); Z = 0 is infinity. */
interface Jac {
  x: bigint;
  y: bigint;
  z: bigint;
}

const INFINITY: Jac = { x: 0n, y: 1n, z: 0n };

function double(p: Jac): Jac {
  if (p.z === 0n || p.y === 0n) return INFINITY;
  // dbl-2009-l (a = 0)
  const a = red(p.x * p.x);
  const b = red(p.y * p.y);
  const c = red(b * b);
  const xb = p.x + b;
  const d = dbl(sub(sub(red(xb * xb), a), c));
  const e = addP(dbl(a), a);
  const x3 = sub(red(e * e), dbl(d));
  const y3 = sub(red(e * sub(d, x3)), dbl(dbl(dbl(c))));
  const z3 = dbl(red(p.y * p.z));
  return { x: x3, y: y3, z: z3 };
}

/** p + (x2, y2) with the second point affine (madd-2007-bl). */
function addAffine(p: Jac, x2: bigint, y2: bigint): Jac {
  if (p.z === 0n) return { x: x2, y: y2, z: 1n };
  const z1z1 = red(p.z * p.z);
  const u2 = red(x2 * z1z1);
  const s2 = red(red(y2 * p.z) * z1z1);
  const h = sub(u2, p.x);
  const rr = dbl(sub(s2, p.y));
  if (h === 0n) return rr === 0n ? double(p) : INFINITY;
  const hh = red(h * h);
  const i = dbl(dbl(hh));
  const j = red(h * i);
  const v = red(p.x * i);
  const x3 = sub(sub(red(rr * rr), j), dbl(v));
  const y3 = sub(red(rr * sub(v, x3)), red(dbl(p.y) * j));
  const zh = p.z + h;
  const z3 = sub(sub(red(zh * zh), z1z1), hh);
  return { x: x3, y: y3, z: z3 };
}

function add(p: Jac, q: Jac): Jac {
  if (q.z === 0n) return p;
  if (p.z === 0n) return q;
  // add-2007-bl
  const z1z1 = red(p.z * p.z);
  const z2z2 = red(q.z * q.z);
  const u1 = red(p.x * z2z2);
  const u2 = red(q.x * z1z1);
  const s1 = red(red(p.y * q.z) * z2z2);
  const s2 = red(red(q.y * p.z) * z1z1);
  const h = sub(u2, u1);
  const rr = dbl(sub(s2, s1));
  if (h === 0n) return rr === 0n ? double(p) : INFINITY;
  const h2 = dbl(h);
  const i = red(h2 * h2);
  const j = red(h * i);
  const v = red(u1 * i);
  const x3 = sub(sub(red(rr * rr), j), dbl(v));
  const y3 = sub(red(rr * sub(v, x3)), red(dbl(s1) * j));
  const zz = p.z + q.z;
  const z3 = red(sub(sub(red(zz * zz), z1z1), z2z2) * h);
  return { x: x3, y: y3, z: z3 };
}

function toAffine(p: Jac): { x: bigint; y: bigint } | undefined {
  if (p.z === 0n) return undefined;
  const zi = invert(p.z, P);
  const zi2 = (zi * zi) % P;
  return { x: (p.x * zi2) % P, y: (((p.y * zi2) % P) * zi) % P };
}

/**
 * Odd multiples 1P, 3P, …, (2^(w−1) − 1)P in affine form, normalised with one inversion, laid out as
 * [x, y, β·x] triples (β·x is the x of the endomorphism image).
 */
function oddMultiples(x: bigint, y: bigint, width = 5): bigint[] {
  const count = 1 << (width - 2);
  const base: Jac = { x, y, z: 1n };
  const twice = double(base);
  const jac: Jac[] = [base];
  for (let i = 1; i < count; i++) jac.push(add(jac[i - 1]!, twice));
  // Montgomery batch inversion of the Z coordinates.
  const prefix: bigint[] = [];
  let acc = 1n;
  for (const p of jac) {
    prefix.push(acc);
    acc = (acc * p.z) % P;
  }
  let inv = invert(acc, P);
  const out = new Array<bigint>(3 * count);
  for (let i = count - 1; i >= 0; i--) {
    const p = jac[i]!;
    const zi = (inv * prefix[i]!) % P;
    inv = (inv * p.z) % P;
    const zi2 = (zi * zi) % P;
    const ax = red(p.x * zi2);
    out[3 * i] = ax;
    out[3 * i + 1] = red(red(p.y * zi2) * zi);
    out[3 * i + 2] = red(ax * BETA);
  }
  return out;
}

/** Width-w NAF digits of a non-negative scalar, least significant first. */
function wnaf(k: bigint, width: number): Int16Array {
  const out = new Int16Array(140);
  const mask = BigInt((1 << width) - 1);
  const half = 1 << (width - 1);
  let i = 0;
  while (k > 0n) {
    if (k & 1n) {
      let d = Number(k & mask);
      if (d >= half) d -= 2 * half;
      k -= BigInt(d);
      out[i] = d;
    }
    k >>= 1n;
    i++;
  }
  return out.subarray(0, i);
}

/** k = k1 + k2·λ (mod n) with |k1|, |k2| < 2¹²⁸ (GLV). */
function split(k: bigint): { k1: bigint; k1neg: boolean; k2: bigint; k2neg: boolean } {
  const c1 = (B2 * k + N / 2n) / N;
  const c2 = (-B1 * k + N / 2n) / N;
  let k1 = modN(k - c1 * A1 - c2 * A2);
  let k2 = modN(-c1 * B1 - c2 * B2);
  const k1neg = k1 > POW_2_128;
  const k2neg = k2 > POW_2_128;
  if (k1neg) k1 = N - k1;
  if (k2neg) k2 = N - k2;
  return { k1, k1neg, k2, k2neg };
}

// Tables of points that come back (a conversation's sender prekey, our peers' keys).
const tableMemo = new BoundedMemo<bigint[]>(256);
const P_WIDTH = 5;
// The generator gets a wider table, built once: 64 odd multiples.
const G_WIDTH = 8;
let gTable: bigint[] | undefined;

/** Forgets the per-key tables (the generator's tables stay: they are fixed). */
export function clearPointTables(): void {
  tableMemo.clear();
}

function tableOf(x: bigint, y: bigint, keyHex?: string): bigint[] {
  return keyHex ? tableMemo.get(keyHex, () => oddMultiples(x, y, P_WIDTH)) : oddMultiples(x, y, P_WIDTH);
}

interface Term {
  digits: Int16Array;
  negate: boolean;
  table: bigint[];
  endo: boolean;
}

function terms(k: bigint, table: bigint[], width: number): Term[] {
  const { k1, k1neg, k2, k2neg } = split(k);
  return [
    { digits: wnaf(k1, width), negate: k1neg, table, endo: false },
    { digits: wnaf(k2, width), negate: k2neg, table, endo: true },
  ];
}

/** Σ k·P over the terms in one doubling chain (Straus–Shamir with wNAF digits). */
function multiScalar(all: Term[]): Jac {
  let top = 0;
  for (const t of all) top = Math.max(top, t.digits.length);
  let r = INFINITY;
  for (let i = top - 1; i >= 0; i--) {
    r = double(r);
    for (const t of all) {
      const d = t.digits[i] ?? 0;
      if (d === 0) continue;
      const j = (d < 0 ? -d >> 1 : d >> 1) * 3;
      const ty = t.table[j + 1]!;
      r = addAffine(r, t.table[t.endo ? j + 2 : j]!, d < 0 !== t.negate ? P - ty : ty);
    }
  }
  return r;
}

const R_WIDTH = 4; // digits ±1, ±3, …, ±15: the same 8-entry tables as P_WIDTH = 5 wNAF
const R_WINDOWS = 33; // 33 × 4 bits covers the ≤ 129-bit GLV halves

/**
 * Regular signed recoding of an odd scalar: every digit odd and non-zero, so the multiplication
 * below does the same doublings and additions whatever the secret (ECDH with long-term keys).
 */
function regularDigits(k: bigint): Int8Array {
  const digits = new Int8Array(R_WINDOWS);
  const mod = 1n << BigInt(R_WIDTH + 1);
  const half = 1n << BigInt(R_WIDTH);
  for (let i = 0; i < R_WINDOWS - 1; i++) {
    const d = (k % mod) - half;
    digits[i] = Number(d);
    k = (k - d) >> BigInt(R_WIDTH);
  }
  digits[R_WINDOWS - 1] = Number(k);
  return digits;
}

/** k·(x, y) with a fixed sequence of operations (secret k). */
function multiplySecret(k: bigint, table: bigint[]): Jac {
  const { k1, k1neg, k2, k2neg } = split(k);
  // Odd scalars only: an even half is computed as half + 1 and corrected by one subtraction at the end.
  const even1 = (k1 & 1n) === 0n;
  const even2 = (k2 & 1n) === 0n;
  const d1 = regularDigits(even1 ? k1 + 1n : k1);
  const d2 = regularDigits(even2 ? k2 + 1n : k2);
  const pick = (d: number, endo: boolean, negate: boolean): [bigint, bigint] => {
    const j = (d < 0 ? -d >> 1 : d >> 1) * 3;
    const ty = table[j + 1]!;
    return [table[endo ? j + 2 : j]!, d < 0 !== negate ? P - ty : ty];
  };
  let [x, y] = pick(d1[R_WINDOWS - 1]!, false, k1neg);
  let r: Jac = { x, y, z: 1n };
  [x, y] = pick(d2[R_WINDOWS - 1]!, true, k2neg);
  r = addAffine(r, x, y);
  for (let i = R_WINDOWS - 2; i >= 0; i--) {
    for (let b = 0; b < R_WIDTH; b++) r = double(r);
    [x, y] = pick(d1[i]!, false, k1neg);
    r = addAffine(r, x, y);
    [x, y] = pick(d2[i]!, true, k2neg);
    r = addAffine(r, x, y);
  }
  // Subtract P (resp. φ(P)) for an even half; both corrections are always computed.
  [x, y] = pick(1, false, !k1neg);
  const c1 = addAffine(r, x, y);
  r = even1 ? c1 : r;
  [x, y] = pick(1, true, !k2neg);
  const c2 = addAffine(r, x, y);
  return even2 ? c2 : r;
}

/** u1·G + u2·(x, y). */
function doubleMultiply(u1: bigint, u2: bigint, x: bigint, y: bigint, keyHex?: string): Jac {
  gTable ??= oddMultiples(secp.Point.BASE.x, secp.Point.BASE.y, G_WIDTH);
  return multiScalar([...terms(u1, gTable, G_WIDTH), ...terms(u2, tableOf(x, y, keyHex), P_WIDTH)]);
}

function bytesToBigint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + toHex(bytes));
}

function bigintTo32(n: bigint): Uint8Array {
  const hex = n.toString(16).padStart(64, '0');
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function encodeUncompressed(p: { x: bigint; y: bigint }): Uint8Array {
  const out = new Uint8Array(65);
  out[0] = 4;
  out.set(bigintTo32(p.x), 1);
  out.set(bigintTo32(p.y), 33);
  return out;
}

/** Parses a 65-byte uncompressed point and checks y² = x³ + 7; undefined when invalid. */
function parsePoint(bytes: Uint8Array): { x: bigint; y: bigint } | undefined {
  if (bytes.length !== 65 || bytes[0] !== 4) return undefined;
  const x = bytesToBigint(bytes.subarray(1, 33));
  const y = bytesToBigint(bytes.subarray(33));
  if (x >= P || y >= P) return undefined;
  if ((y * y) % P !== (((x * x) % P) * x + 7n) % P) return undefined;
  return { x, y };
}

/** ECDH: the shared point secret·Q, 65 bytes uncompressed; undefined for an invalid Q or secret. */
export function ecdhUncompressed(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array | undefined {
  const q = parsePoint(publicKey);
  const k = bytesToBigint(secretKey);
  if (!q || secretKey.length !== 32 || k === 0n || k >= N) return undefined;
  const r = toAffine(multiplySecret(k, tableOf(q.x, q.y, toHex(publicKey))));
  return r && encodeUncompressed(r);
}

/** Strict ECDSA verification over a 32-byte digest: r, s in range, s ≤ n/2 (low-S). */
export function verifyCompact(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64 || digest.length !== 32) return false;
  const q = parsePoint(publicKey);
  if (!q) return false;
  const r = bytesToBigint(signature.subarray(0, 32));
  const s = bytesToBigint(signature.subarray(32));
  if (r === 0n || r >= N || s === 0n || s > HALF_N) return false;
  const e = modN(bytesToBigint(digest));
  const w = invert(s, N);
  const u1 = (e * w) % N;
  const u2 = (r * w) % N;
  const a = toAffine(doubleMultiply(u1, u2, q.x, q.y, toHex(publicKey)));
  return a !== undefined && a.x % N === r;
}

/**
 * The half of a strict ECDSA verification that does not need the digest: checks r, s (low-S) and the key,
 * and computes u2·Q = (r/s)·Q, so a caller can do it while the digest is still being hashed (V2 decode of a
 * large message, §9.3). The returned function finishes with u1·G = (e/s)·G from the fixed-base tables and
 * gives the same answer as `verifyCompact`; undefined when the signature or key alone already fails.
 */
export function prepareVerification(
  publicKey: Uint8Array,
  signature: Uint8Array,
): ((digest: Uint8Array) => boolean) | undefined {
  if (signature.length !== 64) return undefined;
  const q = parsePoint(publicKey);
  if (!q) return undefined;
  const r = bytesToBigint(signature.subarray(0, 32));
  const s = bytesToBigint(signature.subarray(32));
  if (r === 0n || r >= N || s === 0n || s > HALF_N) return undefined;
  const w = invert(s, N);
  const qPart = multiScalar(terms((r * w) % N, tableOf(q.x, q.y, toHex(publicKey)), P_WIDTH));
  return (digest) => {
    if (digest.length !== 32) return false;
    const u1 = (modN(bytesToBigint(digest)) * w) % N;
    const a = toAffine(u1 === 0n ? qPart : add(qPart, baseMultiply(u1)));
    return a !== undefined && a.x % N === r;
  };
}

/** ecrecover over a 32-byte digest: the 65-byte public key, or undefined. */
export function recoverUncompressed(
  digest: Uint8Array,
  signature: Uint8Array,
  recovery: number,
): Uint8Array | undefined {
  if (signature.length !== 64 || digest.length !== 32 || (recovery !== 0 && recovery !== 1)) return undefined;
  const r = bytesToBigint(signature.subarray(0, 32));
  const s = bytesToBigint(signature.subarray(32));
  if (r === 0n || r >= N || s === 0n || s >= N) return undefined;
  // R = (r, y) with y's parity from the recovery id (r < n < p, so x = r).
  const alpha = (((r * r) % P) * r + 7n) % P;
  let y = powP(alpha, SQRT_EXP);
  if ((y * y) % P !== alpha) return undefined;
  if ((y & 1n) !== BigInt(recovery)) y = P - y;
  const rInv = invert(r, N);
  const u1 = modN(-modN(bytesToBigint(digest)) * rInv);
  const u2 = (s * rInv) % N;
  const q = toAffine(doubleMultiply(u1, u2, r, y));
  return q && encodeUncompressed(q);
}

// ---- signing: RFC 6979 nonces, fixed-base multiplication with a regular recoding

// Wider windows mean fewer additions per signature (33 instead of 44 at width 6: the additions are most of a
// V2 message's encoding cost) for a larger table built once (33 × 128 points).
const SIGN_WIDTH = 8; // 128 odd multiples per window
const SIGN_WINDOWS = 33; // 32 × 8 bits cover a 256-bit odd scalar; the last digit is what remains (1)
let signTables: bigint[][] | undefined;

/** For window j: the odd multiples of 2^(8j)·G; built once, on the first signature. */
function buildSignTables(): bigint[][] {
  const tables: bigint[][] = [];
  let x = secp.Point.BASE.x;
  let y = secp.Point.BASE.y;
  for (let j = 0; j < SIGN_WINDOWS; j++) {
    tables.push(oddMultiples(x, y, SIGN_WIDTH + 1));
    let b: Jac = { x, y, z: 1n };
    for (let i = 0; i < SIGN_WIDTH; i++) b = double(b);
    const a = toAffine(b)!;
    x = a.x;
    y = a.y;
  }
  return tables;
}

function signRegularDigits(k: bigint): Int16Array {
  const digits = new Int16Array(SIGN_WINDOWS);
  const mod = 1n << BigInt(SIGN_WIDTH + 1);
  const half = 1n << BigInt(SIGN_WIDTH);
  for (let i = 0; i < SIGN_WINDOWS - 1; i++) {
    const d = (k % mod) - half;
    digits[i] = Number(d);
    k = (k - d) >> BigInt(SIGN_WIDTH);
  }
  digits[SIGN_WINDOWS - 1] = Number(k);
  return digits;
}

/** k·G (1 ≤ k < n) in Jacobian form: one table addition per window, no doublings, no data-dependent skips. */
function baseMultiply(k: bigint): Jac {
  signTables ??= buildSignTables();
  // The recoding needs an odd scalar: for even k use n − k (odd) and negate the result.
  const even = (k & 1n) === 0n;
  const digits = signRegularDigits(even ? N - k : k);
  let r: Jac = INFINITY;
  for (let j = 0; j < SIGN_WINDOWS; j++) {
    const d = digits[j]!;
    const table = signTables[j]!;
    const i = (d < 0 ? -d >> 1 : d >> 1) * 3;
    const ty = table[i + 1]!;
    r = addAffine(r, table[i]!, d < 0 ? P - ty : ty);
  }
  return even && r.z !== 0n ? { x: r.x, y: r.y === 0n ? 0n : P - r.y, z: r.z } : r;
}

/** k·G for a secret nonce, affine. */
function baseMultiplySecret(k: bigint): { x: bigint; y: bigint } | undefined {
  return toAffine(baseMultiply(k));
}

const hmacSha256 = (key: Uint8Array, ...parts: Uint8Array[]): Uint8Array => {
  if (parts.length === 1) return secp.hashes.hmacSha256!(key, parts[0]!);
  return secp.hashes.hmacSha256!(key, secp.etc.concatBytes(...parts));
};

/**
 * ECDSA over a 32-byte digest with RFC 6979 deterministic nonces and low-S normalisation: the same
 * r‖s and recovery id as noble-secp256k1's `sign(digest, key, { prehash: false })` (tested).
 */
export function signCompact(
  secretKey: Uint8Array,
  digest: Uint8Array,
): { bytes: Uint8Array; recovery: number } {
  const d = bytesToBigint(secretKey);
  if (secretKey.length !== 32 || d === 0n || d >= N) throw new Error('invalid private key');
  if (digest.length !== 32) throw new Error('digest must be 32 bytes');
  const e = modN(bytesToBigint(digest));
  const seed = secp.etc.concatBytes(bigintTo32(d), bigintTo32(e));
  // HMAC-DRBG (RFC 6979 §3.2)
  let v: Uint8Array = new Uint8Array(32).fill(1);
  let kk: Uint8Array = new Uint8Array(32);
  kk = hmacSha256(kk, v, Uint8Array.of(0), seed);
  v = hmacSha256(kk, v);
  kk = hmacSha256(kk, v, Uint8Array.of(1), seed);
  v = hmacSha256(kk, v);
  for (;;) {
    v = hmacSha256(kk, v);
    const k = bytesToBigint(v);
    if (k >= 1n && k < N) {
      const q = baseMultiplySecret(k);
      if (q) {
        const r = q.x % N;
        if (r !== 0n) {
          let s = modN(invert(k, N) * ((e + r * d) % N));
          if (s !== 0n) {
            let recovery = (q.x === r ? 0 : 2) | Number(q.y & 1n);
            if (s > HALF_N) {
              s = N - s;
              recovery ^= 1;
            }
            const bytes = new Uint8Array(64);
            bytes.set(bigintTo32(r), 0);
            bytes.set(bigintTo32(s), 32);
            return { bytes, recovery };
          }
        }
      }
    }
    kk = hmacSha256(kk, v, Uint8Array.of(0));
    v = hmacSha256(kk, v);
  }
}
