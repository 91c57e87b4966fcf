// Content compression (docs/protocol.md §10.1): deflate is the zlib format (RFC 1950), gzip is RFC 1952.
import { Inflate } from 'fflate';
import { ProtocolError } from '@/protocol/errors';
import { Compression, plainBytes } from './encoded-content';

/**
 * Default cap on decompressed content: 16 MiB. A node accepts envelopes up to ~1 MiB
 * (docs/protocol.md §13), and deflate can expand ~1032×, so one envelope could otherwise inflate to
 * ~1 GiB inside a service worker. 16 MiB leaves room for 16:1 ratios on the largest envelope,
 * far beyond what real text, JSON or attachments reach, and bounds the memory of a decompression bomb.
 * xmtp-js documents 100 MiB (`maxContentSize`) but really decodes with a 1000-byte cap (§10.1).
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024;

/**
 * The largest decompressed size xmtp-js 11–13 accepts (`decompress(encoded, 1000)` in
 * `Client.decodeContent`): compress only content that stays within it, or xmtp-js drops the message.
 */
export const XMTP_JS_MAX_DECOMPRESSED_BYTES = 1000;

function formatOf(kind: Compression): CompressionFormat {
  if (kind === Compression.Deflate) return 'deflate';
  if (kind === Compression.Gzip) return 'gzip';
  throw new ProtocolError('unsupported_compression', `unsupported compression: ${String(kind)}`);
}

/**
 * Compresses with the platform's CompressionStream (zlib in Node and browsers), the same
 * compressor xmtp-js uses, so our bytes equal theirs (docs/protocol.md §10.1 vector).
 */
export async function compress(bytes: Uint8Array, kind: Compression): Promise<Uint8Array> {
  const stream = new CompressionStream(formatOf(kind));
  const writer = stream.writable.getWriter();
  const written = writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close());
  const chunks: Uint8Array[] = [];
  const reader = stream.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  await written;
  return plainBytes(
    join(
      chunks,
      chunks.reduce((n, c) => n + c.length, 0),
    ),
  );
}

function join(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.length === total) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function invalid(kind: Compression, why: string): ProtocolError {
  return new ProtocolError('invalid_compression', `invalid ${formatOf(kind)} data: ${why}`);
}

/** Returns [start, end) of the raw deflate stream inside a zlib (RFC 1950) container. */
function zlibBody(bytes: Uint8Array): [number, number] {
  const kind = Compression.Deflate;
  if (bytes.length < 6) throw invalid(kind, `too short (${bytes.length} bytes)`);
  const cmf = bytes[0]!;
  const flg = bytes[1]!;
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7) throw invalid(kind, `bad header byte 0x${cmf.toString(16)}`);
  if (((cmf << 8) | flg) % 31 !== 0) throw invalid(kind, 'header check bits do not match');
  if (flg & 0x20) throw invalid(kind, 'preset dictionaries are not supported');
  return [2, bytes.length - 4];
}

/** Returns [start, end) of the raw deflate stream inside a gzip (RFC 1952) member. */
function gzipBody(bytes: Uint8Array): [number, number] {
  const kind = Compression.Gzip;
  if (bytes.length < 18) throw invalid(kind, `too short (${bytes.length} bytes)`);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b || bytes[2] !== 8) throw invalid(kind, 'bad magic or method');
  const flags = bytes[3]!;
  if (flags & 0xe0) throw invalid(kind, `reserved flags set: 0x${flags.toString(16)}`);
  let at = 10;
  if (flags & 0x04) at += 2 + (bytes[at]! | (bytes[at + 1]! << 8)); // FEXTRA
  for (const bit of [0x08, 0x10]) {
    // FNAME, FCOMMENT: zero-terminated
    if (flags & bit) {
      while (at < bytes.length && bytes[at] !== 0) at++;
      at++;
    }
  }
  if (flags & 0x02) at += 2; // FHCRC
  if (at > bytes.length - 8) throw invalid(kind, 'truncated header');
  return [at, bytes.length - 8];
}

function adler32(chunks: Uint8Array[]): number {
  let a = 1;
  let b = 0;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length;) {
      // 5552 is the largest run before b can overflow 2^32 (zlib's NMAX).
      const end = Math.min(i + 5552, chunk.length);
      for (; i < end; i++) {
        a += chunk[i]!;
        b += a;
      }
      a %= 65521;
      b %= 65521;
    }
  }
  return ((b << 16) | a) >>> 0;
}

let crcTable: Uint32Array | undefined;
function crc32(chunks: Uint8Array[]): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) crc = crcTable[(crc ^ chunk[i]!) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function readUint32(bytes: Uint8Array, at: number, littleEndian: boolean): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, littleEndian);
}

/**
 * Decompresses zlib or gzip data, streaming: the input goes to the inflater in small steps and
 * decoding stops with `content_too_large` as soon as the output passes `maxOutputBytes`, so a
 * small bomb never expands in memory. Checks the Adler-32 (zlib) or CRC-32 and length (gzip) trailer.
 */
export function decompress(
  bytes: Uint8Array,
  kind: Compression,
  maxOutputBytes: number = DEFAULT_MAX_DECOMPRESSED_BYTES,
): Uint8Array {
  const [start, end] = kind === Compression.Gzip ? gzipBody(bytes) : (formatOf(kind), zlibBody(bytes));
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflater = new Inflate((chunk) => {
    if (chunk.length === 0) return;
    chunks.push(chunk);
    total += chunk.length;
  });
  // Deflate expands at most ~1032:1, so one step of `step` input bytes yields at most ~1032 × step
  // output bytes before we look at the total: keep that close to the cap.
  const step = Math.min(64 * 1024, Math.max(64, Math.floor(maxOutputBytes / 1024)));
  try {
    for (let at = start; at < end; at += step) {
      const stop = Math.min(at + step, end);
      inflater.push(bytes.subarray(at, stop), stop === end);
      if (total > maxOutputBytes) break;
    }
    if (start === end) inflater.push(new Uint8Array(0), true);
  } catch (cause) {
    throw new ProtocolError(
      'invalid_compression',
      `invalid ${formatOf(kind)} data: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  if (total > maxOutputBytes) {
    throw new ProtocolError(
      'content_too_large',
      `maximum output size exceeded: ${formatOf(kind)} content inflates past ${maxOutputBytes} bytes`,
    );
  }
  if (kind === Compression.Gzip) {
    if (readUint32(bytes, end, true) !== crc32(chunks)) throw invalid(kind, 'CRC-32 mismatch');
    if (readUint32(bytes, end + 4, true) !== total % 2 ** 32) throw invalid(kind, 'length mismatch');
  } else if (readUint32(bytes, end, false) !== adler32(chunks)) {
    throw invalid(kind, 'Adler-32 mismatch');
  }
  return join(chunks, total);
}
