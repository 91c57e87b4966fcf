// uint64 fields travel as `Long` in the generated protobuf code; the protocol core works in bigint.
import Long from 'long';

/** bigint → unsigned Long for encoding a uint64 field. */
export function toLong(value: bigint): Long {
  return Long.fromBits(Number(value & 0xffffffffn), Number((value >> 32n) & 0xffffffffn), true);
}

/** A decoded uint64 field (Long, number, or absent) → bigint (absent is 0, the proto3 default). */
export function fromLong(value: Long | number | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number') return BigInt(value);
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}
