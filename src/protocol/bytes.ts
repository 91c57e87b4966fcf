// Byte helpers shared by every layer: hex, base64 (standard and URL-safe), UTF-8, compare.
import { bytesToHex as nobleBytesToHex, concatBytes as nobleConcat } from '@noble/hashes/utils.js';
import { ProtocolError } from './errors';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8 strictly: invalid sequences throw instead of becoming U+FFFD. */
export function fromUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new ProtocolError('invalid_utf8', 'bytes are not valid UTF-8', { cause });
  }
}

/** Lowercase hex without a 0x prefix. */
export function toHex(bytes: Uint8Array): string {
  return nobleBytesToHex(bytes);
}

/** Accepts hex with or without 0x, either case; rejects odd lengths and non-hex characters. */
export function fromHex(hex: string): Uint8Array {
  const body = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) {
    throw new ProtocolError('invalid_hex', `invalid hex string: ${JSON.stringify(hex.slice(0, 80))}`);
  }
  const out = new Uint8Array(body.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(body.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DECODE = (() => {
  const table = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) table[STD.charCodeAt(i)] = i;
  table['-'.charCodeAt(0)] = 62;
  table['_'.charCodeAt(0)] = 63;
  return table;
})();

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + (pad ? '==' : '');
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + (pad ? '=' : '');
  }
  return out;
}

/** Standard base64 with `=` padding (RFC 4648 §4), as the XMTP JSON mapping emits bytes. */
export function toBase64(bytes: Uint8Array): string {
  return encode(bytes, STD, true);
}

/** URL-safe base64 without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  return encode(bytes, URL_SAFE, false);
}

/**
 * Decodes standard or URL-safe base64, padded or not (what an XMTP node accepts, §1.2).
 * Anything else (bad characters, impossible length, misplaced padding) throws.
 */
export function fromBase64(text: string): Uint8Array {
  let end = text.length;
  if (end % 4 === 0 && end > 0 && text[end - 1] === '=') end -= text[end - 2] === '=' ? 2 : 1;
  if (end % 4 === 1) throw new ProtocolError('invalid_base64', `invalid base64 length: ${text.length}`);
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? DECODE[c]! : -1;
    if (v < 0) {
      throw new ProtocolError(
        'invalid_base64',
        `invalid base64 character ${JSON.stringify(text[i])} at ${i}`,
      );
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return nobleConcat(...parts);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Byte-wise lexicographic order (as PostgreSQL orders bytea). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

// One reusable buffer for inputs consumed during a call (WebCrypto copies its input before it returns the
// promise; noble hashes at once): a large message then costs no allocation and no garbage collection for them.
// It is wiped after each use, so no plaintext stays behind. Nested or very large uses get a fresh buffer.
const SCRATCH_MAX = 2 * 1024 * 1024;
let scratch = new Uint8Array(0);
let scratchInUse = false;

/**
 * Calls `use` with a zeroed buffer of `length` bytes that is only valid during the call: `use` must not keep
 * it, or any view of it, past its return (a promise it returns must not read it later either).
 */
export function withScratch<T>(length: number, use: (buffer: Uint8Array) => T): T {
  if (scratchInUse || length > SCRATCH_MAX) return use(new Uint8Array(length));
  if (scratch.length < length)
    scratch = new Uint8Array(Math.min(SCRATCH_MAX, Math.max(length, 2 * scratch.length)));
  const buffer = scratch.subarray(0, length);
  scratchInUse = true;
  try {
    return use(buffer);
  } finally {
    buffer.fill(0);
    scratchInUse = false;
  }
}
