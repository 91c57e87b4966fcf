// Where history sync stands with each peer: the peer's store position after the last page this node
// stored, by peer id, in one JSON file written atomically after every page. A crash between storing a
// page and saving its position only fetches that page again; the store skips what it already has.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class SyncPositions {
  private readonly positions: Map<string, string>;

  constructor(private readonly path: string | undefined) {
    this.positions = new Map();
    if (path && existsSync(path)) {
      try {
        const saved = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
        for (const [peer, position] of Object.entries(saved)) {
          if (typeof position === 'string') this.positions.set(peer, position);
        }
      } catch {
        // A damaged file only costs a full re-sync: the store deduplicates.
      }
    }
  }

  get(peer: string): string | undefined {
    return this.positions.get(peer);
  }

  set(peer: string, position: string): void {
    this.positions.set(peer, position);
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.positions)));
    renameSync(tmp, this.path);
  }
}
