// The secp256k1 engine behind signature.ts and ecdh.ts, chosen once at start: libsecp256k1 compiled to
// WebAssembly (the binary tiny-secp256k1 2.2.4 ships: Bitcoin Core's C library, with constant-time signing
// and ECDH) wherever WebAssembly runs, @noble/secp256k1 where it cannot (no WebAssembly, a CSP without 'wasm-unsafe-eval', a
// binary that fails to load or fails the self-test). Both give the same bytes: RFC 6979 low-S signatures,
// strict (low-S) verification, recovery with a recovery id and ECDH to the 65-byte uncompressed point.
//
// This module stays pure: it never reads a file or fetches. The host hands `initSecp256k1` the binary (the
// Node CLI reads node_modules/tiny-secp256k1/lib/secp256k1.wasm, the service worker fetches its packaged
// copy). Until that resolves — and for good if it fails — noble does the work, so nothing waits for it.
//
// We drive the binary's exports directly instead of importing tiny-secp256k1's JS: its loader compiles the
// file synchronously at import (fs in Node, an ES-module .wasm import in browsers), which would leave no
// fallback and needs a bundler plugin; the calls below are the same ones its index.js makes.
import * as noble from '@noble/secp256k1';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

// noble-secp256k1 3.x needs the sync hashes wired before the sync sign() can run.
noble.hashes.sha256 = sha256;
noble.hashes.hmacSha256 = (key, message) => hmac(sha256, key, message);

export type Secp256k1BackendName = 'libsecp256k1-wasm' | 'noble';

/**
 * One secp256k1 engine. Inputs of the wrong shape give false / undefined, never a throw, except `sign`
 * and `publicKey`, whose callers have already checked the secret key (signature.ts).
 */
export interface Secp256k1Backend {
  readonly name: Secp256k1BackendName;
  /** RFC 6979 deterministic ECDSA over a 32-byte digest, low-S: r‖s and the recovery id. */
  sign(secretKey: Uint8Array, digest: Uint8Array): { bytes: Uint8Array; recovery: number };
  /** Strict: high-S, r or s out of range, a key that is not a 65-byte uncompressed point all give false. */
  verify(publicKey: Uint8Array, digest: Uint8Array, signature: Uint8Array): boolean;
  /** The 65-byte uncompressed key that made r‖s over `digest` (recovery id 0 or 1), or undefined. */
  recover(digest: Uint8Array, signature: Uint8Array, recovery: number): Uint8Array | undefined;
  /** secret·Q as a 65-byte uncompressed point; undefined for an invalid Q or secret. */
  ecdh(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array | undefined;
  /** The 65-byte uncompressed public key of a valid secret key. */
  publicKey(secretKey: Uint8Array): Uint8Array;
}

/** Which engine is in use, and when it is noble, why (shown by `client whoami --json` and the worker's state). */
export interface Secp256k1Status {
  backend: Secp256k1BackendName;
  /** Set when libsecp256k1 was tried and could not be used, or has not been loaded (yet). */
  fallbackReason?: string;
}

// The shapes both engines insist on before any curve work: 65-byte SEC1 uncompressed keys only (libsecp256k1
// would also take compressed and "hybrid" 0x06/0x07 keys, which XMTP never sends), 32-byte digests.
const isUncompressedKey = (key: Uint8Array) => key.length === 65 && key[0] === 4;

// ---- noble

export const nobleSecp256k1: Secp256k1Backend = {
  name: 'noble',
  sign(secretKey, digest) {
    const recovered = noble.sign(digest, secretKey, { prehash: false, format: 'recovered' });
    return { bytes: recovered.slice(1), recovery: recovered[0]! };
  },
  verify(publicKey, digest, signature) {
    if (!isUncompressedKey(publicKey) || digest.length !== 32 || signature.length !== 64) return false;
    try {
      return noble.verify(signature, digest, publicKey, { prehash: false, lowS: true });
    } catch {
      return false; // r or s out of range, or a key off the curve
    }
  },
  recover(digest, signature, recovery) {
    if (digest.length !== 32 || signature.length !== 64 || (recovery !== 0 && recovery !== 1))
      return undefined;
    const recovered = new Uint8Array(65);
    recovered[0] = recovery;
    recovered.set(signature, 1);
    try {
      return noble.recoverPublicKey(recovered, digest, { prehash: false, isCompressed: false });
    } catch {
      return undefined;
    }
  },
  ecdh(secretKey, publicKey) {
    if (!isUncompressedKey(publicKey)) return undefined;
    try {
      return noble.getSharedSecret(secretKey, publicKey, false);
    } catch {
      return undefined;
    }
  },
  publicKey(secretKey) {
    return noble.getPublicKey(secretKey, false);
  },
};

// ---- libsecp256k1 (WebAssembly)

/** The exports of tiny-secp256k1 2.2.4's secp256k1.wasm that we call (its src/lib.rs). */
interface LibSecp256k1Exports {
  memory: WebAssembly.Memory;
  PRIVATE_INPUT: WebAssembly.Global;
  PUBLIC_KEY_INPUT: WebAssembly.Global;
  TWEAK_INPUT: WebAssembly.Global;
  HASH_INPUT: WebAssembly.Global;
  SIGNATURE_INPUT: WebAssembly.Global;
  initializeContext(): void;
  /** secp256k1_ec_pubkey_parse of PUBLIC_KEY_INPUT: 1 for a point on the curve (never throws). */
  isPoint(inputLength: number): number;
  /** secp256k1_ec_pubkey_create: PRIVATE_INPUT → PUBLIC_KEY_INPUT; 1 on success. */
  pointFromScalar(outputLength: number): number;
  /** secp256k1_ec_pubkey_tweak_mul (constant-time): PUBLIC_KEY_INPUT × TWEAK_INPUT → PUBLIC_KEY_INPUT. */
  pointMultiply(inputLength: number, outputLength: number): number;
  /** secp256k1_ecdsa_sign_recoverable with RFC 6979 nonces → SIGNATURE_INPUT; returns the recovery id. */
  signRecoverable(extraData: number): number;
  /** secp256k1_ecdsa_verify; strict = 1 rejects high-S instead of normalising it. */
  verify(inputLength: number, strict: number): number;
  /** secp256k1_ecdsa_recover: HASH_INPUT, SIGNATURE_INPUT → PUBLIC_KEY_INPUT. */
  recover(outputLength: number, recoveryId: number): number;
}

// The binary's two imports: context randomisation (blinding), and its way of rejecting malformed input. A
// JavaScript exception thrown through the module skips the epilogues that give back its shadow-stack frames,
// so every input is checked here first and that import is never reached; should the module throw or trap
// anyway, the engine reports a fault and the host falls back to noble.
const wasmImports = {
  './rand.js': {
    generateInt32: () => crypto.getRandomValues(new Int32Array(1))[0]!,
  },
  './validate_error.js': {
    throwError: (code: number) => {
      throw new Error(`libsecp256k1 rejected its input (code ${code})`);
    },
  },
};

/** The group order n, big-endian. */
const ORDER = Uint8Array.from([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae,
  0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
]);

/** 1 ≤ x < n for the 32 big-endian bytes at `offset` (r or s): what libsecp256k1's parsers accept. */
function isScalar(bytes: Uint8Array, offset: number): boolean {
  let zero = true;
  let less: boolean | undefined;
  for (let i = 0; i < 32; i++) {
    const b = bytes[offset + i]!;
    if (b !== 0) zero = false;
    if (less === undefined && b !== ORDER[i]) less = b < ORDER[i]!;
  }
  return !zero && less === true;
}

/** The Response (fetch), bytes or compiled module of secp256k1.wasm. */
export type Secp256k1WasmSource = Response | BufferSource | WebAssembly.Module;

async function compile(source: Secp256k1WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof Response !== 'undefined' && source instanceof Response) {
    if (!source.ok) throw new Error(`secp256k1.wasm: HTTP ${source.status}`);
    return WebAssembly.compile(await source.arrayBuffer());
  }
  return WebAssembly.compile(source as BufferSource);
}

/**
 * A libsecp256k1 engine on its own instance of the binary (tests and benchmarks make one next to noble).
 * `onFault` hears of an exception or trap from inside the module, after which the instance is not trusted.
 */
export async function createWasmSecp256k1(
  source: Secp256k1WasmSource,
  onFault?: (error: unknown) => void,
): Promise<Secp256k1Backend> {
  const instance = await WebAssembly.instantiate(await compile(source), wasmImports);
  return wasmBackend(instance.exports as unknown as LibSecp256k1Exports, onFault ?? (() => undefined));
}

function wasmBackend(wasm: LibSecp256k1Exports, onFault: (error: unknown) => void): Secp256k1Backend {
  wasm.initializeContext();
  // The binary allocates nothing at run time (no_std, static buffers), so its memory never grows and these
  // views stay valid.
  const memory = new Uint8Array(wasm.memory.buffer);
  const view = (global: WebAssembly.Global, length: number) =>
    memory.subarray(global.value as number, (global.value as number) + length);
  const privateInput = view(wasm.PRIVATE_INPUT, 32);
  const publicKeyInput = view(wasm.PUBLIC_KEY_INPUT, 65);
  const tweakInput = view(wasm.TWEAK_INPUT, 32);
  const hashInput = view(wasm.HASH_INPUT, 32);
  const signatureInput = view(wasm.SIGNATURE_INPUT, 64);
  const fault = (error: unknown): never => {
    onFault(error);
    throw error;
  };
  /** Loads a 65-byte uncompressed key into PUBLIC_KEY_INPUT; false when it is not a point on the curve. */
  const loadPoint = (publicKey: Uint8Array): boolean => {
    if (!isUncompressedKey(publicKey)) return false;
    publicKeyInput.set(publicKey);
    return wasm.isPoint(65) === 1;
  };

  return {
    name: 'libsecp256k1-wasm',
    sign(secretKey, digest) {
      hashInput.set(digest);
      privateInput.set(secretKey);
      try {
        const recovery = wasm.signRecoverable(0);
        return { bytes: signatureInput.slice(), recovery };
      } catch (error) {
        return fault(error);
      } finally {
        privateInput.fill(0); // no secret stays in the module's memory
      }
    },
    verify(publicKey, digest, signature) {
      if (digest.length !== 32 || signature.length !== 64) return false;
      if (!isScalar(signature, 0) || !isScalar(signature, 32)) return false;
      try {
        if (!loadPoint(publicKey)) return false;
        hashInput.set(digest);
        signatureInput.set(signature);
        return wasm.verify(65, 1) === 1; // strict: a high S fails instead of being normalised
      } catch (error) {
        return fault(error);
      }
    },
    recover(digest, signature, recovery) {
      if (digest.length !== 32 || signature.length !== 64 || (recovery !== 0 && recovery !== 1))
        return undefined;
      if (!isScalar(signature, 0) || !isScalar(signature, 32)) return undefined;
      hashInput.set(digest);
      signatureInput.set(signature);
      try {
        return wasm.recover(65, recovery) === 1 ? publicKeyInput.slice() : undefined;
      } catch (error) {
        return fault(error);
      }
    },
    ecdh(secretKey, publicKey) {
      if (secretKey.length !== 32) return undefined;
      try {
        if (!loadPoint(publicKey)) return undefined;
        tweakInput.set(secretKey);
        // tweak_mul (constant-time) gives 0 for a scalar of 0 or ≥ n.
        return wasm.pointMultiply(65, 65) === 1 ? publicKeyInput.slice() : undefined;
      } catch (error) {
        return fault(error);
      } finally {
        tweakInput.fill(0);
      }
    },
    publicKey(secretKey) {
      privateInput.set(secretKey);
      try {
        if (wasm.pointFromScalar(65) !== 1) throw new Error('invalid private key');
        return publicKeyInput.slice();
      } finally {
        privateInput.fill(0);
      }
    },
  };
}

// Fixed known answers the binary must reproduce (with noble) before it is trusted with keys.
function selfTest(candidate: Secp256k1Backend): void {
  const secret = sha256(Uint8Array.of(1));
  const peer = noble.getPublicKey(sha256(Uint8Array.of(2)), false);
  const digest = sha256(Uint8Array.of(3));
  const expected = nobleSecp256k1.sign(secret, digest);
  const signed = candidate.sign(secret, digest);
  const same = (a: Uint8Array | undefined, b: Uint8Array) =>
    !!a && a.length === b.length && a.every((x, i) => x === b[i]);
  const publicKey = nobleSecp256k1.publicKey(secret);
  if (
    !same(signed.bytes, expected.bytes) ||
    signed.recovery !== expected.recovery ||
    !same(candidate.publicKey(secret), publicKey) ||
    !candidate.verify(publicKey, digest, signed.bytes) ||
    candidate.verify(peer, digest, signed.bytes) ||
    !same(candidate.recover(digest, signed.bytes, signed.recovery), publicKey) ||
    !same(candidate.ecdh(secret, peer), nobleSecp256k1.ecdh(secret, peer)!)
  ) {
    throw new Error('libsecp256k1 failed its self-test against noble');
  }
}

// ---- the engine in use

let active: Secp256k1Backend = nobleSecp256k1;
let status: Secp256k1Status = { backend: 'noble', fallbackReason: 'libsecp256k1 not loaded' };
let started: Promise<Secp256k1Status> | undefined;

/** The engine signature.ts and ecdh.ts call. */
export function secp256k1(): Secp256k1Backend {
  return active;
}

export function secp256k1Status(): Secp256k1Status {
  return { ...status };
}

/**
 * Loads libsecp256k1 and, once it passes a self-test, makes it the engine; on any failure noble stays and the
 * status says why. Called once at start by each host (the CLI, the service worker); later calls return the
 * first call's outcome. `load` gives the binary (a fetch Response, its bytes or a compiled module).
 */
export function initSecp256k1(
  load: () => Secp256k1WasmSource | Promise<Secp256k1WasmSource>,
): Promise<Secp256k1Status> {
  started ??= (async () => {
    status = { backend: 'noble', fallbackReason: 'libsecp256k1 is loading' };
    try {
      if (typeof WebAssembly === 'undefined') throw new Error('WebAssembly is not available');
      const candidate = await createWasmSecp256k1(await load(), (error) => {
        active = nobleSecp256k1;
        status = { backend: 'noble', fallbackReason: `libsecp256k1 faulted: ${String(error)}` };
      });
      selfTest(candidate);
      active = candidate;
      status = { backend: candidate.name };
    } catch (error) {
      status = { backend: 'noble', fallbackReason: error instanceof Error ? error.message : String(error) };
    }
    return secp256k1Status();
  })();
  return started;
}
