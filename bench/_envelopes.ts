// Envelopes for the node benchmarks (bench/node.ts, bench/_store-variants.ts): unique messages of
// 100–700 bytes (mean ~400, like an encrypted V2 message), topic names, send-time stamps.
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

const POOL = randomBytes(1 << 22);
let made = 0;

/** A unique message: random bytes from a pool, the first 8 of them a serial number. */
export function message(): Buffer {
  const length = 100 + Math.floor(Math.random() * 600);
  const offset = Math.floor(Math.random() * (POOL.length - length));
  const bytes = Buffer.from(POOL.subarray(offset, offset + length));
  bytes.writeUInt32BE(made++ >>> 0, 0);
  bytes.writeUInt32BE(Math.floor(made / 2 ** 32), 4);
  return bytes;
}

/** How many messages `message()` has made (the benches pick topics round robin by it). */
export const messagesMade = (): number => made;

/** The i-th topic: a V2-looking `/xmtp/0/m-<hex>/proto` name. */
export const topicName = (i: number): string =>
  `/xmtp/0/m-${createHash('sha256').update(`t${i}`).digest('hex')}/proto`;

/** Now as uint64 nanoseconds, the envelopes' timestamp. */
export const nowNs = (): bigint => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
