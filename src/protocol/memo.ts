// A bounded memo for pure, expensive checks (wallet recovery, prekey signature verification) whose
// inputs repeat: every message of a conversation carries the same sender bundle. The key must
// contain every input, so a hit returns exactly what recomputing would.
export class BoundedMemo<V> {
  private readonly map = new Map<string, V>();

  constructor(private readonly limit: number) {}

  get(key: string, compute: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const value = compute();
    if (this.map.size >= this.limit) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, value);
    return value;
  }

  clear(): void {
    this.map.clear();
  }
}
