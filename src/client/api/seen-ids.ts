import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '@/protocol/bytes';

/** An envelope's message id as xmtp-js computes it: hex(sha256(message bytes)) (docs/protocol.md §14.2). */
export function messageId(message: Uint8Array): string {
  return toHex(sha256(message));
}

/** Remembers the most recent `limit` keys; the oldest are forgotten first. */
export class SeenIds {
  private readonly keys = new Set<string>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.keys.size;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Records `key`; returns false when it was already there. */
  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    // A Set iterates in insertion order, so its first key is the oldest.
    while (this.keys.size > this.limit) this.keys.delete(this.keys.values().next().value!);
    return true;
  }
}
