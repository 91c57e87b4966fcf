// Envelope digests recently relayed, so an envelope that reaches a node by several paths (gossip from
// two peers, gossip and history sync) is delivered to its subscribers once. Bounded: the oldest entries
// go first (a Map iterates in insertion order).

export class SeenCache {
  private readonly entries = new Map<string, true>();

  constructor(private readonly capacity: number) {}

  /** Records the key; returns false when it was already there. */
  add(key: string): boolean {
    if (this.entries.has(key)) return false;
    this.entries.set(key, true);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return true;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
